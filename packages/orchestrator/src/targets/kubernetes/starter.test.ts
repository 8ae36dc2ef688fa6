import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '@pilot/core';
import { PILOT, REPO_ROOT, runScript } from '../../testing/repo.ts';
import { layoutOf, renderRelease } from './derive.ts';
import { manifestFiles, readManifests } from './manifests.ts';
import { validateObjects } from './validate.ts';

async function emptyDir(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-init-k8s-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Pilot installed, as `pnpm install` leaves it: the config's import of @pilot/core resolves.
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

test('pilot init --target kubernetes writes a config that loads and example manifests whose release objects pass the Kubernetes schema', async (t) => {
  const dir = await emptyDir(t);
  const r = await runScript(PILOT, ['init', '--target', 'kubernetes'], dir);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /wrote .*pilot\.config\.ts, .*deploy\/k8s\/my-service\.yaml/);
  assert.match(
    r.stdout,
    /3\. see the plan — every manifest and kubectl command, nothing applied: pnpm pilot --dry-run/,
  );
  const { config } = await loadConfig(dir);
  const target = config.environments.staging.target;
  assert.equal(target.kind, 'kubernetes');
  if (target.kind !== 'kubernetes') return;
  const layout = layoutOf(await readManifests(dir, await manifestFiles(dir, target.manifests)), target);
  for (const traffic of ['selector', 'replicas'] as const) {
    const { release, services } = renderRelease(
      layout,
      target,
      traffic,
      { version: 'v2-abc1234', env: 'staging', digest: '', commit: 'abc1234' },
      'v1-0123456',
    );
    validateObjects([...release, ...services]);
    assert.equal(release.at(-1)!.object.metadata.name, 'my-service-v2-abc1234');
  }
});

test('pilot init refuses an unknown --target (exit 2, naming the flag and the value) and an existing config (exit 3), writing nothing', async (t) => {
  const dir = await emptyDir(t);
  const bad = await runScript(PILOT, ['init', '--target', 'nomad'], dir);
  assert.equal(bad.code, 2, bad.all);
  assert.match(
    bad.stderr,
    /--target "nomad" is not a target pilot init knows — use --target local or --target kubernetes/,
  );
  assert.deepEqual(await readdir(dir), ['node_modules']);
  await writeFile(join(dir, 'pilot.config.ts'), 'export default {};\n');
  const exists = await runScript(PILOT, ['init', '--target', 'kubernetes'], dir);
  assert.equal(exists.code, 3, exists.all);
  assert.match(exists.stderr, /pilot\.config\.ts already exists — edit it, or pass --force to overwrite/);
  assert.equal(existsSync(join(dir, 'deploy')), false, 'no example manifests beside a config that was kept');
});

test("the k8s-example environment of Pilot's own pilot.config.ts renders release objects that pass the Kubernetes schema", async () => {
  const { config } = await loadConfig(REPO_ROOT);
  const target = config.environments['k8s-example'].target;
  assert.equal(target.kind, 'kubernetes');
  if (target.kind !== 'kubernetes') return;
  const layout = layoutOf(await readManifests(REPO_ROOT, await manifestFiles(REPO_ROOT, target.manifests)), target);
  const { release, services } = renderRelease(
    layout,
    target,
    'gateway',
    { version: 'v2-abc1234', env: 'k8s-example', digest: '', commit: 'abc1234' },
    'v1-0123456',
  );
  validateObjects([...release, ...services]);
  assert.deepEqual(
    [...release, ...services].map((r) => `${r.object.kind}/${r.object.metadata.name}`),
    [
      'Deployment/demo-app-v2-abc1234',
      'Service/demo-app-preview',
      'Service/demo-app',
      'Service/demo-app-stable',
      'HTTPRoute/demo-app',
    ],
  );
});
