import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { configSchema, shell } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { REPO_ROOT, makeRepo, memoryLogger } from '../testing/repo.ts';
import { buildRelease } from './build.ts';
import { claimBuildDir } from './build-dir.ts';

test('a build killed midway (kill -9 of pnpm pilot) leaves its build folder and stage; the next build removes them, never a live build', async (t) => {
  const tmp = await tempDir(t, 'pilot-tmp-');
  // The build command sleeps: the release is killed while it builds.
  const repo = await makeRepo({
    service: false,
    serviceConfig: { build: ['node', '-e', 'setTimeout(() => {}, 60_000)'] },
  });
  t.after(() => repo.cleanup());
  const commit = (await shell({ cwd: repo.root })`git rev-parse HEAD`).stdout.trim();
  const releases = join(repo.root, '.pilot', 'releases');
  const pilot = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'cli.mjs'), 'pilot'], {
    cwd: repo.root,
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
    detached: true,
    stdio: 'ignore',
  });
  const leftovers = async () =>
    [
      ...(await readdir(tmp)).filter((n) => n.startsWith('pilot-build-')),
      ...(await readdir(releases).catch(() => [] as string[])).filter((n) => n.endsWith('.tmp')),
    ].sort();
  for (const until = Date.now() + 60_000; (await leftovers()).length < 3 && Date.now() < until; ) await delay(100);
  // The whole process group, build command included, as a closed terminal or an OOM kill would.
  process.kill(-pilot.pid!, 'SIGKILL');
  await new Promise((resolve) => pilot.once('exit', resolve));
  const left = await leftovers();
  assert.deepEqual(left.slice(1), [`pilot-build-${commit}`, `pilot-build-${commit}.lock`]);
  assert.match(left[0], /^\.v\S+\.\d+\.tmp$/);

  // Another build is running meanwhile (its lock is held by a live process): its folder stays.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  t.after(() => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  });
  const { log, lines } = memoryLogger();
  const live = await claimBuildDir('feedc0ffee', log);
  await mkdir(live.dir);
  // The next build, of another commit: no build command, a plain copy.
  const config = configSchema.parse({
    service: { name: 'svc', dir: 'svc', start: ['node', 'server.mjs'] },
    environments: { staging: { port: 1, target: { kind: 'local' } } },
    checks: {},
  });
  await repo.commit('next');
  const next = (await shell({ cwd: repo.root })`git rev-parse HEAD`).stdout.trim();
  await buildRelease({
    root: repo.root,
    configFile: join(repo.root, 'pilot.config.ts'),
    config,
    releasesDir: releases,
    commit: next,
    version: 'v2',
    log,
  });
  assert.deepEqual(
    await leftovers(),
    ['pilot-build-feedc0ffee', 'pilot-build-feedc0ffee.lock'],
    'only the live build is left',
  );
  assert.match(
    lines.join(''),
    new RegExp(`removed build folders left by killed builds: pilot-build-${commit.slice(0, 12)}`),
  );
  assert.match(lines.join(''), /removed release stages left by killed builds: \.v1-/);
  await live.release();
  assert.equal(existsSync(live.dir), false);
});
