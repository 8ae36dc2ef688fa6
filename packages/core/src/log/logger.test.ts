import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Logger, colorEnabled, logFormatFrom } from './logger.ts';
import { createRedactor, maskCredentials, secretsFromEnv } from './redact.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

test('JSON lines carry ts, level, event and fields (Loki-ready), metrics included', () => {
  const out = capture();
  const log = new Logger({ format: 'json', stream: out.stream });
  log.info('step.started', 'backup', { step: 'backup', index: 6, total: 12 });
  log.logMetrics('canary.metrics', { release: 'v2', p95Ms: 41, errorRate: 0 });
  const lines = out
    .text()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.match(lines[0].ts, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(
    { ...lines[0], ts: 0 },
    { ts: 0, level: 'info', event: 'step.started', msg: 'backup', step: 'backup', index: 6, total: 12 },
  );
  assert.deepEqual(
    { ...lines[1], ts: 0 },
    { ts: 0, level: 'info', event: 'canary.metrics', kind: 'metrics', release: 'v2', p95Ms: 41, errorRate: 0 },
  );
});

test('configured secrets and secret-named fields never reach the output', () => {
  const out = capture();
  const redactor = createRedactor(secretsFromEnv(['HOOK'], { HOOK: 'https://hooks.example/T000/abcdef' }));
  const log = new Logger({ format: 'json', stream: out.stream, redactor });
  log.warn('notify.failed', 'POST https://hooks.example/T000/abcdef failed', {
    password: 'pw-123456',
    nested: { list: ['https://hooks.example/T000/abcdef'] },
  });
  const text = out.text();
  assert.ok(!text.includes('abcdef') && !text.includes('pw-123456'), text);
  assert.equal((text.match(/\[REDACTED\]/g) ?? []).length, 3);
});

test('credential-looking text is masked where nobody declared it secret: URL passwords, bearer tokens, secret-named variables', () => {
  const env = { SESSION_TOKEN: 'tok-9f8e7d6c', PGPASSWORD: 'pg-secret-1', PWD: '/home/me', EDITOR: 'vim-editor' };
  assert.equal(
    maskCredentials('postgres://user:p%40ss@db:5432/app and https://example.com/x?y=1', env),
    'postgres://user:***@db:5432/app and https://example.com/x?y=1',
  );
  assert.equal(maskCredentials('Authorization: Bearer abc.DEF-123_xyz=', env), 'Authorization: Bearer ***');
  assert.equal(
    maskCredentials('got "tok-9f8e7d6c" and pg-secret-1, in /home/me with vim-editor', env),
    'got "***" and ***, in /home/me with vim-editor',
  );
});

test('human lines show progress and symbols; no colour without a TTY or with NO_COLOR', () => {
  const out = capture();
  const log = new Logger({ format: 'human', stream: out.stream, color: false });
  log.info('step.started', 'backup of staging', { index: 6, total: 12 });
  log.info('step.completed', 'backup of staging', { index: 6, total: 12, ms: 812 });
  log.error('command.failed', 'boom');
  assert.equal(out.text(), '→ [6/12] backup of staging\n✓ [6/12] backup of staging ms=812\n✗ boom\n');
  assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '' }), false);
  assert.equal(colorEnabled({ isTTY: false }, {}), false);
  assert.equal(colorEnabled({ isTTY: true }, {}), true);
  assert.equal(logFormatFrom(false, { PILOT_LOG_FORMAT: 'json' }), 'json');
  assert.equal(logFormatFrom(true, {}), 'json');
  assert.equal(logFormatFrom(undefined, {}), 'human');
});

test('a listener that throws does not break the run', () => {
  const out = capture();
  const log = new Logger({ format: 'json', stream: out.stream });
  log.events.on(() => {
    throw new Error('notifier down');
  });
  assert.doesNotThrow(() => log.info('deploy.step', 'still going'));
  assert.match(out.text(), /still going/);
});

test('progress: one line rewritten in place at a terminal, cleared before the next log line; none in JSON or without colour', () => {
  const tty = capture();
  const log = new Logger({ format: 'human', stream: tty.stream, color: true });
  log.progress('smoke: ready failing (status 503) — attempt 1, retrying');
  log.progress('smoke: ready failing (status 503) — attempt 2, retrying');
  log.info('smoke.done', 'smoke tests passed');
  log.progressDone();
  assert.equal(
    tty.text(),
    '\r\x1b[Ksmoke: ready failing (status 503) — attempt 1, retrying\r\x1b[Ksmoke: ready failing (status 503) — attempt 2, retrying\r\x1b[K  smoke tests passed\n',
  );
  for (const options of [
    { format: 'json' as const, color: true },
    { format: 'human' as const, color: false },
  ]) {
    const out = capture();
    const quiet = new Logger({ ...options, stream: out.stream });
    quiet.progress('waiting');
    quiet.progressDone();
    assert.equal(out.text(), '', JSON.stringify(options));
  }
});
