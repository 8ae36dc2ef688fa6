// Judge quality on synthetic samples, and time to detect a dying service with a 1 s interval.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Logger, openEnv, writeBenchResult } from '@pilot/core';
import { startDemo } from '@pilot/demo-app/testing';
import { alphasOf, judgeCanary } from '../judge/judge.ts';
import { runMonitor } from '../monitor.ts';
import type { Sample } from '../rules/evaluate.ts';
import { bestPossiblePower, chanceOfFailing, failBoundary, worstFalsePositiveRate } from './error-test-limits.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TRIALS = 1000;
const N = 200;

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(Math.random() + 1e-12)) * Math.cos(2 * Math.PI * Math.random());
}
// Latency: log-normal around 100 ms (sigma 0.3, a typical web service); errors: Bernoulli.
function side(medianMs: number, errorRate: number): Sample[] {
  return Array.from(
    { length: N },
    (_, i) => [i, Math.random() < errorRate ? 500 : 200, medianMs * Math.exp(0.3 * gaussian())] as Sample,
  );
}
function rate(stable: () => Sample[], candidate: () => Sample[], detected: (d: string) => boolean): number {
  let hits = 0;
  for (let i = 0; i < TRIALS; i++) if (detected(judgeCanary(stable(), candidate()).decision)) hits++;
  return hits / TRIALS;
}

const notPass = (d: string) => d !== 'pass';
const BASELINES = [0, 0.005, 0.01, 0.02, 0.05];
const falsePositives = BASELINES.map((r) =>
  rate(
    () => side(100, r),
    () => side(100, r),
    notPass,
  ),
);
// +40%: clearly past the judge's minimum effect at 100 ms (max(1.1×, +25 ms), the floor host noise needs).
const latencyPower = rate(
  () => side(100, 0.01),
  () => side(140, 0.01),
  notPass,
);
const errorPower = rate(
  () => side(100, 0.01),
  () => side(100, 0.05),
  notPass,
);

// The error test exactly, with the judge's defaults (its share of the 0.02 budget, increase ≥ 0.01), and the best any
// test can do at n = 200 with the whole budget.
const { errorAlpha: ERROR_ALPHA, latencyAlpha } = alphasOf({});
const boundary = failBoundary(N, ERROR_ALPHA, 0.01);
const exactErrorPower = chanceOfFailing(boundary, 0.01, 0.05);
const exactFalsePositives = BASELINES.map((r) => chanceOfFailing(boundary, r, r));
const worstErrorFalsePositive = worstFalsePositiveRate(boundary);
// The judge fails identical releases at most this often at any baseline: the error test's exact worst plus latency's share.
const falsePositiveBound = worstErrorFalsePositive + latencyAlpha;
const bestErrorPower = bestPossiblePower(N, 0.01, 0.05, 0.02);
// Requests per side the judge needs for 95% power against 1% → 5% (bisected over multiples of 10).
let [few, enough] = [N, 1000];
while (enough - few > 10) {
  const n = Math.round((few + enough) / 20) * 10;
  if (chanceOfFailing(failBoundary(n, ERROR_ALPHA, 0.01), 0.01, 0.05) >= 0.95) enough = n;
  else few = n;
}

// Time to detect: a real demo service killed while the monitor watches it every second (3 consecutive failures).
const demo = await startDemo();
const dir = await mkdtemp(join(tmpdir(), 'pilot-bench-'));
await writeFile(
  join(dir, 'pilot.config.ts'),
  `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { bench: { port: ${demo.port}, target: { kind: 'command', shift: ['true'], rollback: ['true'] }, rules: ['detect'] } } };\n`,
);
await mkdir(join(dir, 'policies'));
await writeFile(
  join(dir, 'policies', 'rules.yaml'),
  'detect:\n  - { kind: consecutive_failures, max: 3, severity: critical }\n',
);
const ctx = await openEnv(dir, 'bench');
let killedAt = 0;
setTimeout(() => {
  killedAt = Date.now();
  demo.child.kill('SIGKILL');
}, 1500);
const quiet = new Logger({ format: 'json', stream: new Writable({ write: (_chunk, _enc, done) => done() }) });
const summary = await runMonitor({
  ctx,
  log: quiet,
  durationMs: 30_000,
  intervalMs: 1000,
  signal: new AbortController().signal,
});
const detectMs = Date.now() - killedAt;
await demo.stop();
await rm(dir, { recursive: true, force: true });

const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`;
const worstFalsePositive = Math.max(...falsePositives);
const byBaseline = BASELINES.map((r, i) => `${pct(falsePositives[i])} at ${pct(r)} errors`).join(', ');
console.log(
  `judge over ${TRIALS} trials, n=${N} per side: false positives ${byBaseline}; power +40% latency ${pct(latencyPower)}, power 1%→5% errors ${pct(errorPower)}`,
);
console.log(
  `error test, exact: power 1%→5% ${pct(exactErrorPower, 2)}, best possible for any test with ≤ 2% false positives at every baseline ${pct(bestErrorPower, 2)}, worst false-positive rate ${pct(worstErrorFalsePositive, 2)} (judge ≤ ${pct(falsePositiveBound, 2)}); 95% power needs ${enough} requests per side`,
);
console.log(`time to detect (1 s interval, 3 consecutive failures): ${detectMs} ms, verdict ${summary.verdict}`);
await writeBenchResult(REPO, {
  name: 'analysis',
  description: `canary judge on synthetic log-normal latencies (sigma 0.3) and Bernoulli errors, ${TRIALS} trials per case, n=${N} per side, false positives at baseline error rates ${BASELINES.map(pct).join(', ')}; the error test's power and false-positive rates also computed exactly, with the best power any test can reach; time to detect a killed demo service`,
  figures: {
    ...Object.fromEntries(BASELINES.map((r, i) => [`falsePositiveRate@${r}`, falsePositives[i]])),
    ...Object.fromEntries(BASELINES.map((r, i) => [`errorTestExactFalsePositiveRate@${r}`, exactFalsePositives[i]])),
    errorTestWorstFalsePositiveRate: worstErrorFalsePositive,
    judgeFalsePositiveBound: falsePositiveBound,
    powerLatency40pct: latencyPower,
    powerErrors1to5pct: errorPower,
    exactPowerErrors1to5pct: exactErrorPower,
    bestPossiblePowerErrors1to5pct: bestErrorPower,
    requestsPerSideFor95pctErrorPower: enough,
    timeToDetectMs: detectMs,
  },
  ratios: {},
  targets: [
    // Met on the exact bound: a true rate just under 2% lands above it in about half of the simulations.
    {
      name: 'false positives on identical distributions, any baseline error rate',
      target: '≤ 2%',
      actual: `≤ ${pct(falsePositiveBound, 2)} exactly; simulated, worst of the baselines ${pct(worstFalsePositive)} ± ${pct(1.96 * Math.sqrt((worstFalsePositive * (1 - worstFalsePositive)) / TRIALS))}`,
      met: falsePositiveBound <= 0.02,
    },
    {
      name: 'power, +40% latency (100 → 140 ms)',
      target: '≥ 95%',
      actual: pct(latencyPower),
      met: latencyPower >= 0.95,
    },
    {
      name: 'power, 1% → 5% errors',
      target: '≥ 95%',
      actual: `${pct(errorPower)} (exactly ${pct(exactErrorPower, 2)}; no test with ≤ 2% false positives at every baseline exceeds ${pct(bestErrorPower, 2)} at n=${N}; this one reaches 95% at n=${enough})`,
      met: errorPower >= 0.95,
    },
    {
      name: 'time to detect, 1 s interval × 3 failures',
      target: '≤ 4000 ms',
      actual: `${detectMs} ms`,
      met: detectMs <= 4000,
    },
  ],
});
