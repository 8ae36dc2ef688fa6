import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEnv } from '@pilot/core';
import type { Sample } from '@pilot/router';
import { makeLocalRepo } from '../testing/local-repo.ts';
import { PILOT, runScript } from '../testing/repo.ts';
import { judgeSlo, sloCriterion } from './slo.ts';

const samples = (n: number, status: number, ms: number): Sample[] =>
  Array.from({ length: n }, (_, i) => [i, status, ms]);

test('SLO from router samples: within targets passes with its figures; errors, lost answers and a slow p95 each fail naming the figure and the target', () => {
  const targets = { availabilityPercent: 99.5, errorRatePercent: 0.5, p95Ms: 500 };
  const good = judgeSlo([...samples(990, 200, 20), ...samples(10, 200, 400)], targets, 'router');
  assert.equal(good.status, 'pass');
  assert.match(good.detail, /availability 100\.00%, error rate 0\.00%, p95 20ms over 1000 requests — within targets/);
  const bad = judgeSlo([...samples(980, 200, 20), ...samples(10, 503, 20), ...samples(10, 0, 20)], targets, 'router');
  assert.equal(bad.status, 'fail');
  assert.equal(bad.detail, 'availability 98.00% < 99.5%; error rate 2.00% > 0.5%');
  const slow = judgeSlo(samples(100, 200, 900), targets, 'router');
  assert.equal(slow.detail, 'p95 900ms > 500ms');
  assert.equal(judgeSlo([], targets, 'router').status, 'n/a');
});

test('pilot gate SLO criterion on the live local router: its samples of the release, within targets while it answers; a release that starts failing is NO-GO naming availability and error rate', async (t) => {
  const repo = await makeLocalRepo();
  t.after(() => repo.cleanup());
  await writeFile(
    join(repo.root, 'policies', 'gate.json'),
    JSON.stringify({ slo: { availabilityPercent: 99.5, errorRatePercent: 0.5, p95Ms: 500, lookback: '15m' } }),
  );
  // Healthy for its first 30 answers to /api/hello (the smoke test takes one or two), 500 after.
  await repo.commit('v1', 200, 30);
  const deployed = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(deployed.code, 0, deployed.all);
  const version: string = JSON.parse(deployed.stdout).release.version;
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) await fetch(`${repo.url}/api/hello`).then((r) => r.arrayBuffer());
  };
  const sloLine = async () => {
    const gate = await runScript(PILOT, ['gate', '--env', 'staging'], repo.root);
    assert.ok(gate.code === 0 || gate.code === 1, gate.all);
    return /^ {2}. SLO: .*\n {6}evidence: .*$/m.exec(gate.stdout)?.[0] ?? gate.all;
  };

  await send(20);
  const within = await sloLine();
  // The router counts every request it proxied: ours, the deployment's smoke test and the gate's own health check.
  const [, counted] =
    /✓ SLO: availability 100\.00%, error rate 0\.00%, p95 \d+ms over (\d+) requests — within targets/.exec(within) ??
    assert.fail(within);
  assert.ok(Number(counted) >= 20 && Number(counted) < 30, within);
  assert.match(within, new RegExp(`evidence: router samples of ${version} since \\d{4}-\\d\\d-\\d\\dT`));

  await send(20);
  const failing = await sloLine();
  const [, availability, errorRate] =
    /✗ SLO: availability ([\d.]+)% < 99\.5%; error rate ([\d.]+)% > 0\.5%/.exec(failing) ?? assert.fail(failing);
  assert.ok(Number(errorRate) >= 15 && Number(errorRate) <= 40, failing);
  assert.equal((100 - Number(availability)).toFixed(2), Number(errorRate).toFixed(2));
  assert.ok(Number(/over (\d+) requests/.exec(failing)?.[1]) >= 40, failing);

  // The gate of a deployment judges a release that has served nothing yet: then the environment it would join counts.
  const next = await sloCriterion(
    await openEnv(repo.root, 'staging'),
    'v-next',
    { availabilityPercent: 99.5, lookback: '15m' },
    Date.now(),
  );
  assert.equal(next.status, 'fail', JSON.stringify(next));
  assert.match(
    next.evidence ?? '',
    new RegExp(`router samples of staging \\(${version}; v-next has served none yet\\)`),
  );
});
