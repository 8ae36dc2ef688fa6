import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEnv } from '@pilot/core';
import { environmentStatus } from '../../commands/status.ts';
import { FIXTURES as ORCHESTRATOR_FIXTURES, ROLLBACK, runScript } from '../../testing/repo.ts';
import { type ClusterRepo, answering, makeClusterRepo } from './testing.ts';

// The kubernetes target end to end through `pnpm pilot` (compiled, with the stand-in analysis) and a stand-in kubectl on
// PATH: a scripted object store that records every argv. No API server can run on this machine.
const PILOT = join(ORCHESTRATOR_FIXTURES, 'pilot-stand-in.ts');
const withEnv = (name: string, value: string) => (text: string) =>
  text.replace(
    "- { name: PILOT_ENV, value: '{env}' }",
    `- { name: PILOT_ENV, value: '{env}' }\n            - { name: ${name}, value: '${value}' }`,
  );
const WINDOW = { analysisWindow: '600ms', interval: '200ms' };

/** Every call names the context and namespace first; returns the calls that change the cluster, without them, times masked. */
async function changes(repo: ClusterRepo): Promise<string[]> {
  const calls = await repo.takeCalls();
  for (const call of calls)
    assert.deepEqual(
      call.slice(0, 4),
      ['--context', 'kind-pilot', '--namespace', 'shop'],
      `a kubectl call without --context/--namespace: ${call.join(' ')}`,
    );
  const reads = new Set(['get', 'diff', 'port-forward']);
  return calls
    .filter((c) => !reads.has(c[4]))
    .map((c) =>
      c
        .slice(4)
        .join(' ')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>'),
    );
}

/** Processes whose command line contains `word` (a kubectl port-forward left behind would show here). */
async function processesNamed(word: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(word)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

const deploy = async (repo: ClusterRepo, extra: Record<string, string> = {}) => {
  const r = await runScript(PILOT, ['--json'], repo.root, { ...repo.env, ...extra });
  return { ...r, result: r.stdout ? JSON.parse(r.stdout) : undefined };
};

test('stand-in kubectl, blue-green: v2 goes live by a selector patch with v1 kept warm; a faulty v3 fails its smoke tests on the preview Service and traffic stays on v2', async (t) => {
  const repo = await makeClusterRepo({ strategy: { kind: 'blue-green', ...WINDOW, keepWarm: '10m' } });
  t.after(() => repo.cleanup());
  const v1 = await deploy(repo);
  assert.equal(v1.code, 0, v1.all);
  const first = v1.result.release.version;
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${first}.yaml`,
    `rollout status deployment/api-${first} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${first} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${first}.services.yaml`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${first}"}}}`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${first}`]: 20 });

  await repo.commit('v2');
  const v2 = await deploy(repo);
  assert.equal(v2.code, 0, v2.all);
  const second = v2.result.release.version;
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.yaml`,
    `rollout status deployment/api-${second} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${second} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.services.yaml`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${second}"}}}`,
    `annotate deployment/api-${first} pilot.dev/keep-warm-until=<time> --overwrite`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${second}`]: 20 });
  const objects = await repo.objects();
  assert.equal(
    objects[`deployment/api-${first}`].spec.replicas,
    2,
    'the old release is kept warm: a rollback is a selector patch',
  );

  await repo.commitManifest(withEnv('ERROR_RATE', '1'), 'v3 sets ERROR_RATE');
  const v3 = await deploy(repo);
  assert.equal(v3.code, 1, v3.all);
  assert.equal(v3.result.outcome, 'rolled_back');
  assert.match(v3.result.reason, /smoke tests failed against v\S+ at http:\/\/127\.0\.0\.1:\d+/);
  const third = v3.result.release.version;
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${third}.yaml`,
    `rollout status deployment/api-${third} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${third} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${third}.services.yaml`,
    // Traffic back first (it never left v2), then the candidate scaled to zero; v1 stays warm.
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${second}"}}}`,
    `scale deployment/api-${third} --replicas=0`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${second}`]: 20 });
  assert.equal((await repo.objects())[`deployment/api-${first}`].spec.replicas, 2);
});

test('stand-in kubectl, canary through the Gateway API: killed at analyse-50 with the route at 50/50, status and resume read the cluster and promote; a v3 failing under load is rolled back by the analysis; pnpm rollback --to re-applies a deleted release from its recorded manifests', async (t) => {
  const repo = await makeClusterRepo({
    strategy: { kind: 'canary', steps: [50, 100], ...WINDOW },
    target: { route: 'api' },
    route: true,
  });
  t.after(() => repo.cleanup());
  const v1 = await deploy(repo);
  assert.equal(v1.code, 0, v1.all);
  const first = v1.result.release.version;
  await changes(repo);

  await repo.commit('v2');
  const killed = await deploy(repo, { PILOT_TEST_KILL_AT: 'analyse-50' });
  assert.equal(killed.signal, 'SIGKILL', killed.all);
  const weights = (backends: string) => `[{"op":"replace","path":"/spec/rules/0/backendRefs","value":${backends}}]`;
  const split = (canary: number) =>
    weights(
      `[{"name":"api-stable","port":80,"weight":${100 - canary}},{"name":"api-preview","port":80,"weight":${canary}}]`,
    );
  const killedCalls = await changes(repo);
  const [, candidate] = killedCalls[0].match(/staging\/(\S+)\.yaml$/)!;
  assert.deepEqual(killedCalls, [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${candidate}.yaml`,
    `rollout status deployment/api-${candidate} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${candidate} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${candidate}.services.yaml`,
    `patch httproute api --type=json -p ${split(50)}`,
  ]);
  const route = (await repo.objects())['httproute/api'];
  assert.deepEqual(
    route.spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => `${r.name}=${r.weight}`),
    ['api-stable=50', 'api-preview=50'],
  );
  // In this process, as `pilot status` would run it: the stand-in kubectl first on PATH.
  const saved = { PATH: process.env.PATH, KUBECTL_STAND_IN_STORE: process.env.KUBECTL_STAND_IN_STORE };
  Object.assign(process.env, repo.env);
  const status = await environmentStatus(await openEnv(repo.root, 'staging')).finally(() => restoreEnv(saved));
  assert.equal(status.open?.effective, 'interrupted');
  // `pilot status` reads the cluster: where traffic really is after the kill.
  assert.deepEqual(
    {
      stable: status.cluster?.stable?.version,
      candidate: status.cluster?.candidate?.version,
      weight: status.cluster?.candidate?.weight,
      traffic: status.cluster?.traffic,
    },
    { stable: first, candidate, weight: 50, traffic: 'gateway' },
  );
  await changes(repo);

  const resumed = await runScript(PILOT, ['resume', '--json'], repo.root, repo.env);
  assert.equal(resumed.code, 0, resumed.all);
  const version = JSON.parse(resumed.stdout).release.version;
  assert.deepEqual(await changes(repo), [
    `patch service api-stable --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${version}"}}}`,
    `patch httproute api --type=json -p ${split(0)}`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${version}"}}}`,
    `scale deployment/api-${first} --replicas=0`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${version}`]: 20 });

  // A release that passes its smoke test and fails under load: the analysis at 50% rolls it back through the route.
  await repo.commitManifest(withEnv('ERROR_AFTER', '3'), 'v3 breaks under load');
  const v3 = await deploy(repo);
  assert.equal(v3.code, 1, v3.all);
  assert.match(v3.result.reason, /analysis at analyse-50 says roll back: error_rate/);
  const third = v3.result.release.version;
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${third}.yaml`,
    `rollout status deployment/api-${third} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${third} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${third}.services.yaml`,
    `patch httproute api --type=json -p ${split(50)}`,
    `patch service api-stable --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${version}"}}}`,
    `patch httproute api --type=json -p ${split(0)}`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${version}"}}}`,
    `scale deployment/api-${third} --replicas=0`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${version}`]: 20 });

  // v1's Deployment is gone from the cluster (deleted by hand): rollback --to v1 applies what Pilot recorded for it.
  const store = await repo.objects();
  delete store[`deployment/api-${first}`];
  await writeFile(repo.store, JSON.stringify(store));
  const back = await runScript(PILOT, ['--to', first, '--yes', '--json'], repo.root, {
    ...repo.env,
    PILOT_SCRIPT: ROLLBACK,
  });
  assert.equal(back.code, 0, back.all);
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${first}.yaml`,
    `scale deployment/api-${first} --replicas=2`,
    `rollout status deployment/api-${first} --timeout=10s`,
    `patch service api-stable --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${first}"}}}`,
    `patch httproute api --type=json -p ${split(0)}`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${first}"}}}`,
    `scale deployment/api-${version} --replicas=0`,
  ]);
  assert.deepEqual(await answering(repo.port), { [`200 ${first}`]: 20 });
  assert.ok(existsSync(join(repo.root, '.pilot', 'kubernetes', 'staging', `${version}.yaml`)));
});

test('stand-in kubectl, replica-ratio canary: --dry-run prints every manifest and kubectl command and changes nothing; smoke tests through a kubectl port-forward Pilot opens and closes; the split is reached by scaling and one selector; a bad manifest is exit 2 before anything is built, locked or applied', async (t) => {
  const repo = await makeClusterRepo({
    strategy: { kind: 'canary', steps: [50, 100], ...WINDOW },
    target: { previewUrl: undefined },
  });
  t.after(() => repo.cleanup());
  const v1 = await deploy(repo);
  assert.equal(v1.code, 0, v1.all);
  const first = v1.result.release.version;
  await changes(repo);
  await repo.commit('v2');

  const dry = await runScript(PILOT, ['--dry-run', '--json'], repo.root, repo.env);
  assert.equal(dry.code, 0, dry.all);
  const plan = JSON.parse(dry.stdout);
  const second = plan.release.version;
  const target = plan.actions.filter((a: { step: string }) => a.step === 'target');
  assert.match(
    target[1].description,
    new RegExp(
      `^manifest Deployment/api-${second} \\(deploy/k8s/api\\.yaml\\), validated against the Kubernetes schema:\n {8}apiVersion: apps/v1\n`,
    ),
  );
  assert.match(target[1].description, new RegExp(`image: registry\\.test/api:${second}\n`));
  assert.deepEqual(
    target.filter((a: { command?: string[] }) => a.command).map((a: { command: string[] }) => a.command.join(' ')),
    [
      `kubectl --context kind-pilot --namespace shop apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.yaml`,
      `kubectl --context kind-pilot --namespace shop rollout status deployment/api-${second} --timeout=10s`,
      `kubectl --context kind-pilot --namespace shop wait --for=condition=Available deployment/api-${second} --timeout=10s`,
      `kubectl --context kind-pilot --namespace shop apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.services.yaml`,
      `kubectl --context kind-pilot --namespace shop scale deployment/api-${second} --replicas=2`,
      `kubectl --context kind-pilot --namespace shop rollout status deployment/api-${second} --timeout=10s`,
      `kubectl --context kind-pilot --namespace shop patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":null}}}`,
      `kubectl --context kind-pilot --namespace shop scale deployment/api-${second} --replicas=2`,
      `kubectl --context kind-pilot --namespace shop rollout status deployment/api-${second} --timeout=10s`,
      `kubectl --context kind-pilot --namespace shop patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${second}"}}}`,
      `kubectl --context kind-pilot --namespace shop scale deployment/api-${first} --replicas=0`,
      `kubectl --context kind-pilot --namespace shop patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${first}"}}}`,
    ],
  );
  assert.ok(
    target.some((a: { description: string }) => /shift 50% to \S+ \(replica ratio: approximate\)/.test(a.description)),
  );
  assert.deepEqual(await changes(repo), [], 'a dry run only reads the cluster');
  assert.equal(
    existsSync(join(repo.root, '.pilot', 'kubernetes', 'staging', `${second}.yaml`)),
    false,
    'a dry run writes no manifests',
  );

  const v2 = await deploy(repo);
  assert.equal(v2.code, 0, v2.all);
  assert.match(v2.all, new RegExp(`smoke tests passed against ${second}","url":"http://127\\.0\\.0\\.1:\\d+"`));
  const calls = await repo.takeCalls();
  assert.deepEqual(
    calls.filter((c) => c[4] === 'port-forward').map((c) => c.slice(4).join(' ')),
    ['port-forward --address 127.0.0.1 service/api-preview 0:80'],
    'one forward for the candidate, opened once',
  );
  assert.deepEqual(await processesNamed('port-forward'), [], 'the forward is closed when the deployment ends');
  await repo.putBack(calls);
  assert.deepEqual(await changes(repo), [
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.yaml`,
    `rollout status deployment/api-${second} --timeout=10s`,
    `wait --for=condition=Available deployment/api-${second} --timeout=10s`,
    `apply --server-side --field-manager=pilot --force-conflicts -f .pilot/kubernetes/staging/${second}.services.yaml`,
    `scale deployment/api-${second} --replicas=2`,
    `rollout status deployment/api-${second} --timeout=10s`,
    'patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":null}}}',
    `scale deployment/api-${second} --replicas=2`,
    `rollout status deployment/api-${second} --timeout=10s`,
    `patch service api --type=merge -p {"spec":{"selector":{"pilot.dev/release":"${second}"}}}`,
    `scale deployment/api-${first} --replicas=0`,
  ]);
  assert.match(
    await readFile(join(repo.root, '.pilot', 'kubernetes', 'staging', `${second}.yaml`), 'utf8'),
    /replicas: 1\n/,
    'the candidate starts with one pod',
  );
  assert.deepEqual(await answering(repo.port), { [`200 ${second}`]: 20 });

  await repo.commitManifest(
    (text) => text.replace('containerPort: 8080', 'containerPort: http'),
    'a port by name where a number belongs',
  );
  const journals = (await readdir(join(repo.root, '.pilot', 'deployments'))).length;
  const releases = await readdir(join(repo.root, '.pilot', 'releases'));
  const bad = await deploy(repo);
  assert.equal(bad.code, 2, bad.all);
  assert.match(
    bad.stderr,
    /deploy\/k8s\/api\.yaml: Deployment\/api-v\S+ is not a valid Deployment: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort must be integer — fix the manifest/,
  );
  assert.deepEqual(await changes(repo), []);
  assert.equal((await readdir(join(repo.root, '.pilot', 'deployments'))).length, journals, 'no deployment was started');
  assert.deepEqual(await readdir(join(repo.root, '.pilot', 'releases')), releases, 'nothing was built');
});
