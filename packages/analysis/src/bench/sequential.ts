// The sequential judge against the fixed-window one on whole simulated canary deployments (5 → 25 → 50 → 100, 30 s
// windows, 1 s looks), seeded, with the real judge code: false rollbacks of identical releases at several baseline
// error rates, and detection share and median time to rollback of real regressions, on the same simulated traffic.
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@pilot/core';
import { measureLiveRollback } from './live-rollback.ts';
import { type Scenario, simulateDeployment, summarise } from './simulate-deployments.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// Runs per row: identical releases need many (a 2% goal); the fixed judge's exact test is slow at 500 req/s, so it gets fewer.
const RUNS = Number(process.env.BENCH_SEQUENTIAL_RUNS ?? 2000);
const FIXED_RUNS = Math.min(RUNS, Number(process.env.BENCH_FIXED_RUNS ?? 500));
const BASELINES = [0, 0.005, 0.01, 0.02, 0.05];

interface Row {
  name: string;
  rate: number;
  sequential: { runs: number; rolledBack: number; medianS?: number };
  fixed: { runs: number; rolledBack: number; medianS?: number };
  identical: boolean;
}

function row(name: string, s: Scenario, identical: boolean): Row {
  // Identical releases need many runs (a 2% goal); a regression's detection share and median fewer. At 500 req/s a
  // deployment is 10× the work: a quarter of the runs, and a fifth for the fixed judge, whose exact test is slow there.
  const runs = Math.round((identical ? RUNS : RUNS / 4) / (s.rate > 100 ? 4 : 1));
  const fixedRuns = Math.min(runs, Math.round(FIXED_RUNS / (s.rate > 100 ? 5 : 1)));
  const outcomes = Array.from({ length: runs }, (_, i) => simulateDeployment(s, i + 1, {}, i < fixedRuns));
  const r = {
    name,
    rate: s.rate,
    identical,
    sequential: { runs, ...summarise(outcomes.map((o) => o.sequential)) },
    fixed: { runs: fixedRuns, ...summarise(outcomes.slice(0, fixedRuns).map((o) => o.fixed)) },
  };
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`.padStart(6);
  const med = (v?: number) => (v === undefined ? '—' : `${v} s`).padStart(5);
  console.log(
    `${name.padEnd(34)} ${String(s.rate).padStart(4)}/s │ sequential ${pct(r.sequential.rolledBack)} ${med(r.sequential.medianS)} (${runs}) │ fixed ${pct(r.fixed.rolledBack)} ${med(r.fixed.medianS)} (${fixedRuns})`,
  );
  return r;
}

console.log(
  `${'scenario'.padEnd(34)} ${'rate'.padStart(6)} │ rolled back, median time to rollback (runs) — sequential vs fixed-window judge`,
);
const rows: Row[] = [];
for (const rate of [50, 500]) {
  for (const errorRate of BASELINES)
    rows.push(
      row(
        `identical, ${errorRate * 100}% errors`,
        { rate, stable: { errorRate, medianMs: 100 }, candidate: { errorRate, medianMs: 100 } },
        true,
      ),
    );
  rows.push(
    row(
      'errors 1% → 5%',
      { rate, stable: { errorRate: 0.01, medianMs: 100 }, candidate: { errorRate: 0.05, medianMs: 100 } },
      false,
    ),
  );
  rows.push(
    row(
      'latency +50% (100 → 150 ms)',
      { rate, stable: { errorRate: 0.01, medianMs: 100 }, candidate: { errorRate: 0.01, medianMs: 150 } },
      false,
    ),
  );
  rows.push(
    row(
      'latency +20% (250 → 300 ms)',
      { rate, stable: { errorRate: 0.01, medianMs: 250 }, candidate: { errorRate: 0.01, medianMs: 300 } },
      false,
    ),
  );
  // Below the 25 ms floor host noise needs: not a regression by either judge's definition, so neither should act.
  rows.push(
    row(
      'latency +20% (100 → 120 ms)',
      { rate, stable: { errorRate: 0.01, medianMs: 100 }, candidate: { errorRate: 0.01, medianMs: 120 } },
      false,
    ),
  );
}

// The live row: the demo's faulty release on the local target under 50 req/s, rolled back by the judge (no fixed rule can).
const live = await measureLiveRollback(50);
const byJudge = /^analysis at analyse-\d+ says roll back: (error_rate|latency)/.test(live.reason);
console.log(
  `${'live: demo ERROR_RATE=0.5, local target'.padEnd(34)} ${'50'.padStart(4)}/s │ sequential ${live.outcome}, ${live.seconds} s from its first request (${live.failed}/${live.served} failed) │ fixed —`,
);
console.log(`  ${live.reason}`);

const key = (r: Row) => `${r.name.replace(/[^a-z0-9%.+]+/gi, '-')}@${r.rate}`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const identical = rows.filter((r) => r.identical);
const worstFalse = Math.max(...identical.map((r) => r.sequential.rolledBack));
const regressions = rows.filter((r) => !r.identical && !r.name.includes('100 → 120'));
const targets = [
  {
    name: 'identical releases rolled back over whole deployments, every baseline 0–5%, 50 and 500 req/s (sequential)',
    target: '≤ 2%',
    actual: identical.map((r) => `${pct(r.sequential.rolledBack)} at ${r.name.split(', ')[1]} ${r.rate}/s`).join(', '),
    met: worstFalse <= 0.02,
  },
  ...regressions
    .filter((r) => r.rate === 50)
    .map((r) => ({
      name: `${r.name}: detected before promotion at 50 req/s (sequential)`,
      target: '≥ 95%',
      actual: `${pct(r.sequential.rolledBack)} (fixed ${pct(r.fixed.rolledBack)})`,
      met: r.sequential.rolledBack >= 0.95,
    })),
  {
    name: "live: the demo's faulty release on the local target rolled back by the sequential judge, not by a fixed rule",
    target: 'rolled back by the judge',
    actual: `${live.outcome}: ${live.reason}`,
    met: live.outcome === 'rolled_back' && byJudge,
  },
  ...regressions.map((r) => {
    const ratio =
      r.sequential.medianS !== undefined && r.fixed.medianS !== undefined
        ? r.sequential.medianS / r.fixed.medianS
        : Number.NaN;
    return {
      name: `${r.name} at ${r.rate} req/s: median time to rollback, sequential / fixed`,
      target: '≤ 0.5×',
      actual: `${r.sequential.medianS ?? '—'} s / ${r.fixed.medianS ?? '—'} s = ${ratio.toFixed(2)}×`,
      met: ratio <= 0.5,
    };
  }),
];
for (const t of targets) console.log(`${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.actual} (goal ${t.target})`);
await writeBenchResult(REPO, {
  name: 'analysis-sequential',
  description: `sequential (anytime-valid, alpha 0.02 per deployment) vs fixed-window canary judge on simulated whole deployments, plus one live run (pnpm pilot, local target, the demo's ERROR_RATE=0.5 release under 50 req/s, a rule set with no error rule): steps 5/25/50 then promotion, 30 s windows, 1 s looks, random routing by weight, log-normal latency (sigma 0.3), Bernoulli errors; seeds 1..runs, identical releases ${RUNS} runs at 50 req/s and a quarter of that at 500 req/s, regressions a quarter of those; the fixed judge on the first ${FIXED_RUNS} (a fifth at 500 req/s)`,
  figures: Object.fromEntries(
    rows
      .flatMap((r) => [
        [`sequential.rolledBack@${key(r)}`, r.sequential.rolledBack],
        [`fixed.rolledBack@${key(r)}`, r.fixed.rolledBack],
        ...(r.identical
          ? []
          : [
              [`sequential.medianRollbackS@${key(r)}`, r.sequential.medianS ?? 'none'],
              [`fixed.medianRollbackS@${key(r)}`, r.fixed.medianS ?? 'none'],
            ]),
      ])
      .concat([
        ['live.sequential.firstRequestToRollbackS@demo-error-rate-0.5@50', live.seconds],
        ['live.sequential.requestsServed@demo-error-rate-0.5@50', live.served],
        ['live.sequential.requestsFailed@demo-error-rate-0.5@50', live.failed],
      ]),
  ),
  ratios: {},
  targets,
});
