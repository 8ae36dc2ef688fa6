import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema, shell } from '@pilot/core';
import { makeLockedWorkspace } from '@pilot/core/testing';
import { memoryLogger } from '../testing/repo.ts';
import { buildRelease } from './build.ts';

test('a release contains the locked dependency versions, not newer ones published since; the same commit built twice (at once) has the same digest', async (t) => {
  const { root, commit, registry } = await makeLockedWorkspace(t);
  const config = configSchema.parse({
    service: { name: 'shop', dir: 'svc', package: 'svc', start: ['node', 'server.js'] },
    environments: { staging: { port: 1, target: { kind: 'local' } } },
    checks: {},
  });
  const releasesDir = join(root, '.pilot', 'releases');
  const build = (version: string) =>
    buildRelease({
      root,
      configFile: join(root, 'package.json'),
      config,
      releasesDir,
      commit,
      version,
      log: memoryLogger().log,
    });
  // Two environments building the same commit at once: the second waits for the first's build folder, then builds.
  const [one, two] = await Promise.all([build('v1'), build('v2')]);

  const shipped = JSON.parse(await readFile(join(one.dir, 'node_modules', '@shop', 'dep', 'package.json'), 'utf8'));
  assert.equal(shipped.version, '1.0.0');
  assert.equal(registry.downloads.get('@shop/dep@1.0.1'), undefined, '@shop/dep@1.0.1 was never downloaded');
  assert.equal((await shell({ cwd: one.dir })`node server.js`).stdout.trim(), '1.0.0 1.0.0');
  assert.match(one.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(two.digest, one.digest);
  // Nothing of the builds is left behind: no stage folder, no build folder, no build lock.
  assert.deepEqual((await readdir(releasesDir)).sort(), ['v1', 'v1.tar.gz', 'v2', 'v2.tar.gz']);
  assert.equal(existsSync(join(tmpdir(), `pilot-build-${commit}`)), false);
  assert.equal(existsSync(join(tmpdir(), `pilot-build-${commit}.lock`)), false);
});
