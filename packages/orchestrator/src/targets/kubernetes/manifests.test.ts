import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { environmentSchema } from '@pilot/core';
import { stringify } from 'yaml';
import { type KubernetesConfig, type Traffic, layoutOf, renderRelease } from './derive.ts';
import { manifestFiles, readManifests } from './manifests.ts';
import { validateObjects } from './validate.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const config = (extra: Partial<KubernetesConfig> = {}): KubernetesConfig => ({
  kind: 'kubernetes',
  context: 'kind-pilot',
  namespace: 'shop',
  manifests: 'manifests/*.yaml',
  image: 'ghcr.io/acme/api:{version}',
  service: 'api',
  port: 80,
  rolloutTimeout: '2m',
  ...extra,
});
const vars = { version: 'v2-2b3c4d5', env: 'production', digest: 'sha256:feed', commit: '2b3c4d5e' };

async function render(traffic: Traffic, c = config(), root = FIXTURES) {
  const layout = layoutOf(await readManifests(root, await manifestFiles(root, c.manifests)), c);
  const { release, services } = renderRelease(layout, c, traffic, vars, 'v1-1a2b3c4');
  validateObjects([...release, ...services]);
  return [...release, ...services].map((r) => `# ${r.from}\n${stringify(r.object)}`).join('---\n');
}

// Golden files: what Pilot applies for a release is reviewed as YAML. UPDATE_GOLDEN=1 rewrites them after a deliberate change.
for (const [name, traffic, c] of [
  ['blue-green', 'selector', config()],
  ['canary-gateway', 'gateway', config({ route: 'api' })],
  ['canary-replicas', 'replicas', config()],
] as const) {
  test(`the objects of a ${name} release match fixtures/golden/${name}.yaml and pass the Kubernetes schema`, async () => {
    const rendered = await render(traffic, c);
    const golden = join(FIXTURES, 'golden', `${name}.yaml`);
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, rendered);
    assert.equal(rendered, await readFile(golden, 'utf8'));
  });
}

/** A copy of the fixture manifests with one file replaced, rendered: the error a user would see. */
async function renderBroken(
  t: { after(fn: () => Promise<void>): void },
  file: string,
  text: string,
  c = config(),
): Promise<unknown> {
  const root = await mkdtemp(join(tmpdir(), 'pilot-k8s-manifests-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await cp(join(FIXTURES, 'manifests'), join(root, 'manifests'), { recursive: true });
  await writeFile(join(root, 'manifests', file), text);
  return render('selector', c, root).then(
    () => assert.fail('expected the manifests to be refused'),
    (error) => error,
  );
}

const api = async () => readFile(join(FIXTURES, 'manifests', 'api.yaml'), 'utf8');

test('a field of the wrong type is refused before anything is applied: exit 2 naming the file, the object and the field', async (t) => {
  const error = (await renderBroken(
    t,
    'api.yaml',
    (await api()).replace('containerPort: 8080', 'containerPort: http'),
  )) as { exitCode: number; message: string };
  assert.equal(error.exitCode, 2);
  assert.match(
    error.message,
    /^manifests\/api\.yaml: Deployment\/api-v2-2b3c4d5 is not a valid Deployment: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort must be integer — fix the manifest$/,
  );
});

test('a Service with a bad enum value names the field and the allowed values', async (t) => {
  const error = (await renderBroken(
    t,
    'api.yaml',
    (await api()).replace('type: LoadBalancer', 'type: Loadbalancer'),
  )) as { exitCode: number; message: string };
  assert.equal(error.exitCode, 2);
  assert.match(
    error.message,
    /manifests\/api\.yaml: Service\/api is not a valid Service: spec\.type must be equal to one of the allowed values \(\["ClusterIP","ExternalName","LoadBalancer","NodePort"\]\)/,
  );
});

test('broken inputs are refused with what to fix: YAML syntax, a second Deployment, a missing Service, a foreign namespace, an unknown kind', async (t) => {
  const cases: [string, string, RegExp, KubernetesConfig?][] = [
    [
      'api.yaml',
      'kind: Deployment\nmetadata: { name: [unclosed\n',
      /^manifests\/api\.yaml: document 1 is not valid YAML at line \d+: .* — fix the manifest$/,
    ],
    [
      'extra.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: worker }\nspec: {}\n',
      /target\.manifests must hold exactly one Deployment .*found 2: api in manifests\/api\.yaml \(document 1\), worker in manifests\/extra\.yaml \(document 1\)/,
    ],
    [
      'extra.yaml',
      'kind: ConfigMap\nmetadata: { name: x }\n',
      /manifests\/extra\.yaml: document 1 lacks apiVersion — every object needs apiVersion, kind and metadata\.name/,
    ],
    [
      'extra.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: default }\n',
      /ConfigMap\/x sets metadata\.namespace default, but target\.namespace is shop — remove it from the manifest/,
    ],
    [
      'extra.yaml',
      'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: { name: api }\n',
      /manifests\/extra\.yaml: ServiceMonitor\/api has apiVersion\/kind monitoring\.coreos\.com\/v1\/ServiceMonitor, which Pilot cannot validate offline/,
    ],
    [
      'extra.yaml',
      '',
      /target\.service is "web", and no Service of that name is in target\.manifests/,
      config({ service: 'web' }),
    ],
    [
      'extra.yaml',
      '',
      /target\.route is "public", and no HTTPRoute of that name is in target\.manifests/,
      config({ route: 'public' }),
    ],
    [
      'extra.yaml',
      '',
      /Deployment\/api has no container named sidecar \(target\.container\)/,
      config({ container: 'sidecar' }),
    ],
  ];
  for (const [file, text, expected, c] of cases) {
    const error = (await renderBroken(t, file, text, c)) as { exitCode: number; message: string };
    assert.equal(error.exitCode, 2, `${expected}: ${error.message}`);
    assert.match(error.message, expected);
  }
});

test('a manifests pattern that matches nothing names the pattern and the folder', async () => {
  await assert.rejects(manifestFiles(FIXTURES, 'k8s/*.yaml'), {
    exitCode: 2,
    message: /target\.manifests "k8s\/\*\.yaml" matches no file in k8s — point it at your Kubernetes YAML/,
  });
});

test('the config refuses a namespace that is no Kubernetes name and an image that names no release', () => {
  const parsed = environmentSchema.safeParse({
    port: 8080,
    target: { ...config(), namespace: 'Shop_1', image: 'ghcr.io/acme/api:latest' },
  });
  assert.equal(parsed.success, false);
  const issues = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.deepEqual(issues, [
    'target.namespace: expected a Kubernetes name (lower-case letters, digits, -; at most 63)',
    'target.image: expected an image reference naming the release, e.g. "ghcr.io/acme/api:{version}" or "ghcr.io/acme/api@{digest}"',
  ]);
});
