import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { configSchema } from './config/schema.ts';
import { learnSecrets } from './context.ts';
import { Logger } from './log/logger.ts';

test('learnSecrets masks the config’s secrets and the database URLs its checks and migrations name', () => {
  const config = configSchema.parse({
    service: { name: 'svc', dir: '.', start: ['node', 'server.js'] },
    environments: { staging: { port: 18081, migrate: { databaseUrlEnv: 'STAGING_DB' } } },
    checks: { dependencies: [{ kind: 'redis', urlEnv: 'CACHE_URL' }] },
    migrations: {},
    secrets: ['API_KEY_VALUE'],
  });
  const env = {
    API_KEY_VALUE: 'key-1234-abcd',
    CACHE_URL: 'redis://:cache-pw@cache:6379',
    STAGING_DB: 'postgres://u:stage-pw@db/s',
    DATABASE_URL: 'postgres://u:main-pw@db/m',
  };
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  const log = new Logger({ format: 'json', stream });
  learnSecrets(log, config, env);
  log.info('test', Object.values(env).join(' '));
  for (const value of Object.values(env)) assert.ok(!text.includes(value), text);
  assert.equal((text.match(/\[REDACTED\]/g) ?? []).length, 4);
});
