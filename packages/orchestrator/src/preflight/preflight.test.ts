import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, openEnv, shell } from '@pilot/core';
import { startRouter, stopRouter } from '@pilot/router';
import { PILOT, makeRepo, memoryLogger, runScript } from '../testing/repo.ts';
import { runPreflight } from './preflight.ts';

async function check(root: string, name: string) {
  const ctx = await openEnv(root, 'staging', memoryLogger().log);
  const commit = (await shell({ cwd: root })`git rev-parse HEAD`).stdout.trim();
  const found = (await runPreflight({ ctx, commit, version: 'v1-test', dryRun: true })).find((c) => c.name === name);
  assert.ok(found, `no ${name} check`);
  return found;
}

test('clean-tree check names an unstaged edit of the first path in full, and git.allowDirty matches it', async (t) => {
  const repo = await makeRepo({ service: false, git: { allowDirty: ['svc/server.mjs', 'svc/new file.txt'] } });
  t.after(() => repo.cleanup());
  const config = join(repo.root, 'pilot.config.ts');
  const original = await readFile(config, 'utf8');
  await writeFile(config, `${original}// edited\n`);
  const dirty = await check(repo.root, 'clean work tree');
  assert.equal(dirty.ok, false);
  assert.equal(dirty.detail, 'uncommitted changes: pilot.config.ts');
  // Unstaged edits of allowed paths only (the first one listed first by git): allowed.
  await writeFile(config, original);
  await writeFile(join(repo.root, 'svc', 'server.mjs'), 'edited\n');
  await writeFile(join(repo.root, 'svc', 'new file.txt'), 'x');
  const allowed = await check(repo.root, 'clean work tree');
  assert.deepEqual([allowed.ok, allowed.detail], [true, 'clean']);
});

test("port check: the environment's router answering does not make a foreign process's port ours", async (t) => {
  const [routerPort, foreignPort] = [await freePort(), await freePort()];
  // The config names a port a foreign process holds; the environment's router still answers on its old port.
  const repo = await makeRepo({ service: false, env: { port: foreignPort, target: { kind: 'local' } } });
  // The router first: its pid file is in the repository.
  t.after(async () => {
    await stopRouter({ root: repo.root, envName: 'staging' });
    await repo.cleanup();
  });
  const ctx = await openEnv(repo.root, 'staging');
  await startRouter({
    root: repo.root,
    envName: 'staging',
    env: { ...ctx.env, port: routerPort },
    readyPath: '/health/ready',
  });
  const foreign = createServer();
  await new Promise<void>((resolve) => foreign.listen(foreignPort, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
  const taken = await check(repo.root, 'service port');
  assert.equal(taken.ok, false);
  assert.match(
    taken.detail,
    new RegExp(
      `port ${foreignPort} is in use by another process \\(this environment's router listens on ${routerPort}`,
    ),
  );
  // And as the operator meets it: `pnpm pilot` refuses (exit 3) before anything happens.
  const r = await runScript(PILOT, ['--dry-run'], repo.root);
  assert.equal(r.code, 3, r.all);
  assert.match(r.stderr, new RegExp(`✗ service port: port ${foreignPort} is in use by another process`));
});

test("port check: the environment's own router on the configured port passes", async (t) => {
  const port = await freePort();
  const repo = await makeRepo({ service: false, env: { port, target: { kind: 'local' } } });
  // The router first: its pid file is in the repository.
  t.after(async () => {
    await stopRouter({ root: repo.root, envName: 'staging' });
    await repo.cleanup();
  });
  const ctx = await openEnv(repo.root, 'staging');
  await startRouter({ root: repo.root, envName: 'staging', env: ctx.env, readyPath: '/health/ready' });
  const served = await check(repo.root, 'service port');
  assert.equal(served.ok, true, served.detail);
  assert.match(served.detail, new RegExp(`port ${port} is served by our router \\(pid \\d+\\)`));
});
