import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EnvContext, configSchema, statePaths } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { recordHistory } from '../state/history.ts';
import { pruneReleases } from './retention.ts';

/** Two environments on one host sharing `.pilot/releases`, each keeping 1 release of its own. */
async function twoEnvironments(t: { after(fn: () => unknown): void }) {
  const root = await tempDir(t, 'pilot-retention-');
  const local = (port: number) => ({ port, target: { kind: 'local', keepReleases: 1 } });
  const config = configSchema.parse({ service: { name: 'api', dir: '.', start: ['node', 'x.js'] }, environments: { staging: local(4100), production: local(4200) }, checks: {} });
  const paths = statePaths(join(root, '.pilot'));
  const ctx = { root, file: join(root, 'pilot.config.ts'), config, envName: 'staging', env: config.environments.staging, paths, lockOptions: { path: paths.lock('staging'), auditPath: paths.audit } } as EnvContext;
  const release = async (version: string) => {
    await mkdir(join(paths.releases, version, 'app'), { recursive: true });
    await writeFile(join(paths.releases, version, 'manifest.json'), JSON.stringify({ version, commit: version }));
    await writeFile(join(paths.releases, `${version}.tar.gz`), '');
  };
  const live = (env: string, version: string, lkg = true) =>
    recordHistory(paths.root, env, 'release.live', { version, deploymentId: `${env}-${version}` }).then(() => (lkg ? recordHistory(paths.root, env, 'release.lkg', { version, deploymentId: `${env}-${version}` }) : undefined));
  return { ctx, paths, release, live };
}

test("pruning in one environment never removes what another serves, keeps warm or records as last-known-good; each keeps its own newest", async (t) => {
  const { ctx, paths, release, live } = await twoEnvironments(t);
  for (const v of ['v1', 'v2', 'v3', 'v4', 'v5', 'candidate-never-deployed']) await release(v);
  await live('production', 'v1');
  // production's router keeps v2 warm (a blue-green switch-back) while v1 serves.
  await mkdir(paths.router('production'), { recursive: true });
  await writeFile(join(paths.router('production'), 'state.json'), JSON.stringify({ routes: { stable: 'v1', weight: 0 }, releases: [{ version: 'v1' }, { version: 'v2' }] }));
  await live('staging', 'v2');
  await live('staging', 'v3', false);
  await live('staging', 'v4', false);
  await live('staging', 'v5');

  const removed = await pruneReleases(ctx);
  // v3 and v4 went live in staging only, were never last-known-good, and staging keeps 1 (v5): the only ones removed.
  assert.deepEqual(removed, ['v3', 'v4']);
  assert.deepEqual((await readdir(paths.releases)).sort(), ['candidate-never-deployed', 'candidate-never-deployed.tar.gz', 'v1', 'v1.tar.gz', 'v2', 'v2.tar.gz', 'v5', 'v5.tar.gz']);
  assert.deepEqual(await pruneReleases(ctx), [], 'nothing more to remove');
});
