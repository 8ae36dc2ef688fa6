import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@pilot/core';
import { FIXTURES as ORCHESTRATOR_FIXTURES, ROLLBACK, makeRepo, runScript } from '../../testing/repo.ts';
import { runKubectl } from './kubectl.ts';
import { FIXTURES } from './testing.ts';

// Opt-in, against a real cluster (kind or k3d on a machine with Docker):
//   kind create cluster --name pilot            # context kind-pilot
//   docker build -t localhost/demo-app:v1 …     # an image of packages/demo-app per version, loaded with
//   kind load docker-image localhost/demo-app:<version> --name pilot   (it listens on PORT=8080)
//   then set PILOT_K8S_LIVE to 1, KUBECONFIG to the cluster's kubeconfig, PILOT_K8S_CONTEXT to its context (kind-pilot)
//   and PILOT_K8S_IMAGE to the image with {version} as its tag, and run
//   node --import tsx --test src/targets/kubernetes/live.test.ts
// It makes a throwaway namespace, deploys two releases blue-green and two as a replica canary through `pnpm pilot`
// (smoke tests through the port-forward Pilot opens), rolls one back, and deletes the namespace.
const wanted =
  process.env.PILOT_K8S_LIVE === '1' &&
  process.env.KUBECONFIG &&
  process.env.PILOT_K8S_CONTEXT &&
  process.env.PILOT_K8S_IMAGE;
const PILOT = join(ORCHESTRATOR_FIXTURES, 'pilot-stand-in.ts');

test('live cluster: blue-green and replica canary of the demo app through pnpm pilot, then pnpm rollback (opt-in: PILOT_K8S_LIVE=1 with KUBECONFIG, PILOT_K8S_CONTEXT and PILOT_K8S_IMAGE; skipped here: no Docker or Kubernetes API server on this machine)', {
  skip: !wanted,
}, async (t) => {
  const context = process.env.PILOT_K8S_CONTEXT!;
  const namespace = `pilot-live-${randomBytes(3).toString('hex')}`;
  const scope = { context, namespace, cwd: process.cwd() };
  await runKubectl(scope, ['create', 'namespace', namespace]);
  t.after(() => runKubectl(scope, ['delete', 'namespace', namespace, '--wait=false'], { allowFailure: true }));
  for (const strategy of [
    { kind: 'blue-green', analysisWindow: '0s', keepWarm: '5m' },
    { kind: 'canary', steps: [50, 100], analysisWindow: '0s' },
  ]) {
    const repo = await makeRepo({
      service: false,
      strategy,
      env: {
        port: await freePort(),
        target: {
          kind: 'kubernetes',
          context,
          namespace,
          manifests: 'deploy/k8s/*.yaml',
          image: process.env.PILOT_K8S_IMAGE,
          service: 'api',
          port: 80,
          rolloutTimeout: '3m',
        },
      },
    });
    t.after(() => repo.cleanup());
    await mkdir(join(repo.root, 'deploy', 'k8s'), { recursive: true });
    await cp(join(FIXTURES, 'manifests', 'api.yaml'), join(repo.root, 'deploy', 'k8s', 'api.yaml'));
    await repo.commit('manifests', 'deploy/k8s/.keep');
    const versions: string[] = [];
    for (const label of ['first', 'second']) {
      const r = await runScript(PILOT, ['--json'], repo.root);
      assert.equal(r.code, 0, `${strategy.kind} ${label}: ${r.all}`);
      versions.push(JSON.parse(r.stdout).release.version);
      if (label === 'first') await repo.commit('v2');
    }
    const selected = async () =>
      JSON.parse((await runKubectl(scope, ['get', 'service', 'api', '-o', 'json'])).stdout).spec.selector[
        'pilot.dev/release'
      ];
    assert.equal(await selected(), versions[1]);
    const back = await runScript(PILOT, ['--yes', '--json'], repo.root, { PILOT_SCRIPT: ROLLBACK });
    assert.equal(back.code, 0, back.all);
    assert.equal(await selected(), versions[0]);
    await runKubectl(scope, ['delete', 'deployments,services', '-l', 'pilot.dev/service=api', '--wait=false']);
  }
});
