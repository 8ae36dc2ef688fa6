import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EnvContext, configSchema, statePaths } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { recordHistory } from '../state/history.ts';
import { pruneReleases } from './retention.ts';
import { assertVersionFree } from './version.ts';

/** Two environments on one host sharing `.pilot/releases`, staging keeping 2 releases of its own, production 1. */
async function twoEnvironments(t: { after(fn: () => unknown): void }) {
  const root = await tempDir(t, 'pilot-retention-');
  const local = (port: number, keepReleases: number) => ({ port, target: { kind: 'local', keepReleases } });
  const config = configSchema.parse({
    service: { name: 'api', dir: '.', start: ['node', 'x.js'] },
    environments: { staging: local(4100, 2), production: local(4200, 1) },
    checks: {},
  });
  const paths = statePaths(join(root, '.pilot'));
  const ctx = {
    root,
    file: join(root, 'pilot.config.ts'),
    config,
    envName: 'staging',
    env: config.environments.staging,
    paths,
    lockOptions: { path: paths.lock('staging'), auditPath: paths.audit },
  } as EnvContext;
  /** What a successful deployment writes: the release folder and archive, then live and last-known-good in history. */
  const deployed = async (env: string, version: string) => {
    await mkdir(join(paths.releases, version, 'app'), { recursive: true });
    await writeFile(join(paths.releases, version, 'manifest.json'), JSON.stringify({ version, commit: version }));
    await writeFile(join(paths.releases, `${version}.tar.gz`), '');
    await recordHistory(paths.root, env, 'release.live', { version, deploymentId: `${env}-${version}`, via: 'deploy' });
    await recordHistory(paths.root, env, 'release.lkg', { version, deploymentId: `${env}-${version}` });
  };
  const promoted = (env: string, version: string) =>
    recordHistory(paths.root, env, 'release.live', { version, deploymentId: `${env}-${version}`, via: 'deploy' }).then(
      () => recordHistory(paths.root, env, 'release.lkg', { version, deploymentId: `${env}-${version}` }),
    );
  const names = async () =>
    (await readdir(paths.releases)).filter((n) => !n.endsWith('.tar.gz') && !n.startsWith('.')).sort();
  return { ctx, paths, deployed, promoted, names };
}

test('each environment keeps its newest releases and its rollback target; what another serves or keeps warm stays', async (t) => {
  const { ctx, paths, deployed, promoted, names } = await twoEnvironments(t);
  await deployed('production', 'v1');
  await deployed('staging', 'v1');
  // production's router keeps v2 warm (a blue-green switch-back) — promoted there, then rolled back to v1.
  await deployed('staging', 'v2');
  await promoted('production', 'v2');
  await recordHistory(paths.root, 'production', 'release.live', {
    version: 'v1',
    deploymentId: 'production-rollback',
    via: 'rollback',
  });
  await mkdir(paths.router('production'), { recursive: true });
  await writeFile(
    join(paths.router('production'), 'state.json'),
    JSON.stringify({ routes: { stable: 'v1', weight: 0 }, releases: [{ version: 'v1' }, { version: 'v2' }] }),
  );
  for (const v of ['v3', 'v4', 'v5', 'v6']) await deployed('staging', v);
  await mkdir(join(paths.releases, 'never-deployed', 'app'), { recursive: true });
  await writeFile(join(paths.releases, 'never-deployed', 'manifest.json'), '{}');

  // staging keeps v6 (live), v5 (its rollback target and second newest); production keeps v1 (live) and v2 (warm, and
  // its last-known-good other than v1). v3 and v4 were successful staging releases nobody needs any more.
  assert.deepEqual(await pruneReleases(ctx), ['v3', 'v4']);
  assert.deepEqual(await names(), ['never-deployed', 'v1', 'v2', 'v5', 'v6']);
  assert.deepEqual(await pruneReleases(ctx), [], 'nothing more to remove');

  // Once production's router no longer runs v2 and production moves on, v1 and v2 go too.
  await writeFile(
    join(paths.router('production'), 'state.json'),
    JSON.stringify({ routes: { stable: 'v6', weight: 0 }, releases: [{ version: 'v6' }] }),
  );
  await promoted('production', 'v6');
  await deployed('staging', 'v7');
  // production: v6 live, rollback target v2 (its newest last-known-good other than v6); staging: v7, v6.
  assert.deepEqual(await pruneReleases(ctx), ['v1', 'v5']);
  assert.deepEqual(await names(), ['never-deployed', 'v2', 'v6', 'v7']);
});

test('a pruned release keeps its version: reusing it for another commit is refused (exit 2)', async (t) => {
  const { ctx, deployed, promoted } = await twoEnvironments(t);
  for (const v of ['v1', 'v2', 'v3']) await deployed('staging', v);
  await promoted('production', 'v3');
  assert.deepEqual(await pruneReleases(ctx), ['v1']);
  await assert.rejects(
    assertVersionFree(ctx.paths.releases, 'v1', 'another-commit'),
    (error: Error & { exitCode?: number }) =>
      error.exitCode === 2 && /--version v1 already exists for commit v1/.test(error.message),
  );
  await assertVersionFree(ctx.paths.releases, 'v1', 'v1');
});
