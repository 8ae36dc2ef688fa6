import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { onPath } from '@pilot/core';
import { stringify } from 'yaml';
import { type KubernetesConfig, layoutOf, renderRelease, routeWeightPatch, selectorPatch } from './derive.ts';
import { kubectlArgv, runKubectl } from './kubectl.ts';
import { manifestFiles, readManifests } from './manifests.ts';

// The real kubectl client (Debian: kubernetes-client) where it works without an API server: Pilot's patches must be
// ones kubectl itself accepts and applies the way Pilot expects.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const missing = onPath('kubectl') ? undefined : 'kubectl is not installed (apt-get install kubernetes-client)';
const config: KubernetesConfig = {
  kind: 'kubernetes',
  context: 'stand-in',
  namespace: 'shop',
  manifests: 'manifests/*.yaml',
  image: 'ghcr.io/acme/api:{version}',
  service: 'api',
  port: 80,
  route: 'api',
  rolloutTimeout: '2m',
};
const vars = { version: 'v2-2b3c4d5', env: 'staging', digest: '', commit: '2b3c4d5' };

async function rendered() {
  const layout = layoutOf(await readManifests(FIXTURES, await manifestFiles(FIXTURES, config.manifests)), config);
  return { layout, ...renderRelease(layout, config, 'gateway', vars, 'v1-1a2b3c4') };
}

async function tempDir(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-kubectl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `kubectl patch --local -f <object> -p <patch> -o json`: kubectl applies the patch to the file, no server involved. */
async function patchLocally(dir: string, object: object, type: 'merge' | 'json', patch: string) {
  const file = join(dir, `object-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, stringify(object));
  const r = await runKubectl(
    { context: 'stand-in', namespace: 'shop', cwd: dir },
    ['patch', '--local', '-f', file, `--type=${type}`, '-p', patch, '-o', 'json'],
    { allowFailure: true },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test(`real kubectl patch --local applies Pilot's selector and route-weight patches as Pilot expects (skips when kubectl is not installed)`, {
  skip: missing,
}, async (t) => {
  const dir = await tempDir(t);
  // kubectl resolves --context against a kubeconfig even for --local: an empty one with that context.
  process.env.KUBECONFIG = join(dir, 'kubeconfig');
  t.after(() => delete process.env.KUBECONFIG);
  await writeFile(
    process.env.KUBECONFIG,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:9' } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'stand-in', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  const { layout, services } = await rendered();
  const main = services.find((s) => s.object.metadata.name === 'api')!.object;
  const promoted = await patchLocally(dir, main, 'merge', selectorPatch('v2-2b3c4d5'));
  assert.deepEqual(promoted.spec.selector, {
    app: 'api',
    'pilot.dev/service': 'api',
    'pilot.dev/release': 'v2-2b3c4d5',
  });
  assert.deepEqual(
    promoted.spec.ports,
    (main as unknown as { spec: { ports: unknown } }).spec.ports,
    'nothing but the selector changes',
  );
  const opened = await patchLocally(dir, main, 'merge', selectorPatch(null));
  assert.deepEqual(
    opened.spec.selector,
    { app: 'api', 'pilot.dev/service': 'api' },
    'a replica-ratio canary selects every release of the service',
  );
  const route = services.find((s) => s.object.kind === 'HTTPRoute')!.object;
  const shifted = await patchLocally(dir, route, 'json', JSON.stringify(routeWeightPatch(layout, config, 30)));
  assert.deepEqual(shifted.spec.rules[0].backendRefs, [
    { name: 'api-stable', port: 80, weight: 70 },
    { name: 'api-preview', port: 80, weight: 30 },
  ]);
  assert.deepEqual(shifted.spec.rules[0].matches, [{ path: { type: 'PathPrefix', value: '/' } }]);
});

test(`real kubectl apply --dry-run=client accepts every object Pilot renders, as Pilot rendered it (against a stand-in API discovery endpoint; skips when kubectl is not installed)`, {
  skip: missing,
}, async (t) => {
  const dir = await tempDir(t);
  const discovery = spawn(process.execPath, [join(FIXTURES, 'discovery.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => discovery.kill('SIGTERM'));
  const port = await new Promise<number>((resolve) =>
    discovery.stdout!.once('data', (d) => resolve(Number(String(d).trim()))),
  );
  process.env.KUBECONFIG = join(dir, 'kubeconfig');
  t.after(() => delete process.env.KUBECONFIG);
  await writeFile(
    process.env.KUBECONFIG,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'stand-in', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  const { release, services } = await rendered();
  const objects = [...release, ...services].map((r) => r.object);
  const file = join(dir, 'objects.yaml');
  await writeFile(file, objects.map((o) => stringify(o)).join('---\n'));
  const args = ['apply', '--dry-run=client', '--validate=false', '-o', 'json', '-f', file];
  const r = await runKubectl({ context: 'stand-in', namespace: 'shop', cwd: dir }, args, { allowFailure: true });
  assert.equal(
    r.exitCode,
    0,
    `${kubectlArgv({ context: 'stand-in', namespace: 'shop' }, args).join(' ')}\n${r.stderr}`,
  );
  const items: { kind: string; metadata: { name: string; namespace: string; annotations?: Record<string, string> } }[] =
    JSON.parse(r.stdout).items;
  assert.deepEqual(
    items.map((i) => `${i.kind}/${i.metadata.name} in ${i.metadata.namespace}`),
    objects.map((o) => `${o.kind}/${o.metadata.name} in shop`),
  );
  for (const [i, item] of items.entries()) {
    // kubectl adds its last-applied annotation and the namespace; everything else is what Pilot rendered.
    const { annotations, namespace: _, ...metadata } = item.metadata;
    const rest = annotations
      ? Object.fromEntries(
          Object.entries(annotations).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'),
        )
      : {};
    assert.deepEqual(
      { ...item, metadata: { ...metadata, ...(Object.keys(rest).length ? { annotations: rest } : {}) } },
      objects[i],
    );
  }
});
