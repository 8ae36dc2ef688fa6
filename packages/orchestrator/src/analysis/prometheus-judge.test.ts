import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { queryPrometheus } from '@pilot/analysis';
import { missing, startPrometheus } from '@pilot/core/testing';
import { type RunningDemo, startDemo } from '@pilot/demo-app/testing';
import { startLoad } from '../demo/load.ts';
import { FIXTURES, PILOT, type TestRepo, makeRepo, runScript } from '../testing/repo.ts';

interface Entry {
  event: string;
  ts: string;
  step?: string;
  reason?: string;
  reasons?: { metric?: string; test?: string; detail?: string }[];
  state?: {
    judge?: {
      source?: string;
      looks: number;
      sides: Record<'stable' | 'candidate', { requests: number; errors: number }>;
    };
  };
}

// v1 serves first; v2 fails 30% of its requests; v3 is as good as v1. Prometheus adds each one's version to its series.
const RELEASES = { v1: {}, v2: { ERROR_RATE: '0.3' }, v3: {} } as Record<string, Record<string, string>>;
const skip = missing.prometheus ? ` (skipped: ${missing.prometheus})` : '';
const closers: (() => Promise<unknown>)[] = [];
let repo: TestRepo;
let prometheusUrl: string;

before(async () => {
  if (skip) return;
  const demos: Record<string, RunningDemo> = {};
  for (const [version, env] of Object.entries(RELEASES)) {
    demos[version] = await startDemo({ PILOT_RELEASE: version, ...env });
    closers.push(() => demos[version].stop());
  }
  const prom = await startPrometheus(
    Object.entries(demos).map(([version, d]) => ({ address: `127.0.0.1:${d.port}`, labels: { version } })),
  );
  closers.push(() => prom.stop());
  prometheusUrl = prom.url;
  repo = await makeRepo({
    service: false,
    env: {
      rules: ['judge-only'],
      prometheus: {
        url: prom.url,
        requests: 'demo_http_requests_total{version="{version}",path="/api/hello"}',
        errors: 'demo_http_requests_total{version="{version}",path="/api/hello",status=~"5.."}',
        latency: 'demo_http_request_duration_seconds_bucket{version="{version}"}',
      },
    },
    strategy: { kind: 'canary', steps: [25, 100], analysisWindow: '12s', interval: '1s' },
    config: {
      judge: { kind: 'sequential' },
      checks: { smoke: [{ name: 'live', path: '/health/live' }], timeout: '2s', deadline: '5s' },
    },
  });
  closers.push(() => repo.cleanup());
  // The users' way in: a stand-in load balancer sending each request to the release the command target's state names.
  const ports = join(dirname(repo.root), 'ports.json');
  await writeFile(ports, JSON.stringify(Object.fromEntries(Object.entries(demos).map(([v, d]) => [v, d.port]))));
  const front = spawn(process.execPath, [join(FIXTURES, 'weighted-front.mjs'), repo.infraState, ports], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  closers.push(async () => front.kill('SIGTERM'));
  const port = await new Promise<number>((resolve) =>
    front.stdout!.once('data', (d) => resolve(Number(String(d).trim()))),
  );
  const config = join(repo.root, 'pilot.config.ts');
  await writeFile(config, (await readFile(config, 'utf8')).replace('"port": 1,', `"port": ${port},`));
  // Only a rule that cannot fire here: a rollback has to come from the judge.
  await writeFile(
    join(repo.root, 'policies', 'rules.yaml'),
    'judge-only:\n  - { kind: failing_for, maxMs: 120000, severity: critical }\n',
  );
  await repo.commit('v1');
  const first = await runScript(PILOT, ['--json', '--version', 'v1'], repo.root);
  assert.equal(first.code, 0, first.all);
  const load = startLoad(`http://127.0.0.1:${port}/api/hello`, 50);
  closers.push(() => load.stop());
});

after(async () => {
  for (const close of closers.reverse()) await close();
});

async function journalOf(stdout: string): Promise<Entry[]> {
  const { deploymentId } = JSON.parse(stdout) as { deploymentId: string };
  const text = await readFile(join(repo.root, '.pilot', 'deployments', `${deploymentId}.jsonl`), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Entry);
}

test(`command target: a canary failing 30% of its requests is rolled back by the sequential judge on Prometheus' per-version counters (stand-in load balancer)${skip}`, {
  skip: Boolean(skip),
}, async () => {
  await repo.commit('v2');
  const result = await runScript(PILOT, ['--json', '--version', 'v2'], repo.root);
  assert.equal(result.code, 1, result.all);
  const journal = await journalOf(result.stdout);
  const started = journal.find((e) => e.event === 'step.started' && e.step === 'analyse-25')!;
  const rolledBack = journal.find((e) => e.event === 'deployment.rolled_back')!;
  const seconds = (Date.parse(rolledBack.ts) - Date.parse(started.ts)) / 1000;
  console.log(`# command target, v2 at 25% failing 30%: rolled back by the judge ${seconds} s into its 12 s window`);
  assert.ok(seconds < 12, `rolled back ${seconds} s after analyse-25 started`);
  assert.match(rolledBack.reason ?? '', /analysis at analyse-25 says roll back: error_rate/);
  const reason = rolledBack.reasons!.find((r) => r.metric === 'error_rate')!;
  assert.match(reason.test ?? '', /anytime-valid: e=[^,]+, p≤[^ ]+ after \d+ looks?/);
  // The evidence is Prometheus' counts: journalled at each look, and no more than Prometheus has counted since.
  const looks = journal.filter((e) => e.event === 'analysis.evidence').map((e) => e.state!.judge!);
  assert.ok(looks.length > 0 && looks.every((j) => j.source === 'prometheus'), JSON.stringify(looks.at(-1)));
  const last = looks.at(-1)!;
  assert.match(
    reason.detail ?? '',
    new RegExp(
      `^${last.sides.candidate.errors}/${last.sides.candidate.requests} candidate vs 0/${last.sides.stable.requests} stable requests failed$`,
    ),
  );
  const served = await queryPrometheus(prometheusUrl, 'sum(demo_http_requests_total{version="v2",path="/api/hello"})');
  assert.ok(
    last.sides.candidate.requests > 0 && last.sides.candidate.requests <= served,
    `${last.sides.candidate.requests} judged, ${served} in Prometheus`,
  );
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, 'v1');
});

test(`command target: a canary as good as stable passes the judge's window on Prometheus' counters and is promoted${skip}`, {
  skip: Boolean(skip),
}, async () => {
  await repo.commit('v3');
  const result = await runScript(PILOT, ['--json', '--version', 'v3'], repo.root);
  assert.equal(result.code, 0, result.all);
  const journal = await journalOf(result.stdout);
  const verdict = journal.find((e) => e.event === 'analysis.verdict' && e.step === 'analyse-25')!;
  const latency = verdict.reasons!.find((r) => r.metric === 'latency')!;
  assert.match(latency.detail ?? '', /\(candidate vs stable, at Prometheus bucket bounds\)$/);
  const last = journal.filter((e) => e.event === 'analysis.evidence').at(-1)!.state!.judge!;
  assert.equal(last.source, 'prometheus');
  // 12 s at 25% of ~50 req/s: well over the 10 requests per side a window needs.
  assert.ok(last.sides.candidate.requests >= 10 && last.sides.stable.requests >= 10, JSON.stringify(last.sides));
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, 'v3');
});
