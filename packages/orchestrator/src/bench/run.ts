// `pnpm --filter @pilot/orchestrator bench`: Pilot's own overhead on the demo canary, and MTTR from fault injection to
// 100% of traffic on stable with a 1 s analysis interval (the switch itself timed separately).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, type Release, type TargetDriver, writeBenchResult } from '@pilot/core';
import { runDemo } from '../demo/demo.ts';

const repoRoot = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');
const log = new Logger({ format: 'human', minLevel: process.env.BENCH_VERBOSE ? 'info' : 'warn' });

const marks: { faultLiveAt?: number; rollbackStart?: number; rollbackEnd?: number } = {};
const timed = (target: TargetDriver): TargetDriver => ({
  kind: target.kind,
  plan: (c, w) => target.plan(c, w),
  prepare: (c) => target.prepare(c),
  status: () => target.status(),
  promote: (c) => target.promote(c),
  async shift(candidate: Release, weight: number) {
    await target.shift(candidate, weight);
    // The fault reaches users once the faulty candidate gets its first share of traffic.
    if (candidate.version === 'v3' && marks.faultLiveAt === undefined) marks.faultLiveAt = performance.now();
  },
  async rollback(to?: Release) {
    marks.rollbackStart = performance.now();
    await target.rollback(to);
    marks.rollbackEnd = performance.now();
  },
});

const result = await runDemo({
  root: repoRoot,
  log,
  signal: new AbortController().signal,
  windowMs: 2000,
  intervalMs: 1000,
  wrapTarget: timed,
});
const v2 = result.steps.find((s) => s.release === 'v2');
const overheadMs = v2 ? v2.elapsedMs - v2.waitedMs : Number.NaN;
const mttrMs =
  marks.faultLiveAt !== undefined && marks.rollbackEnd !== undefined
    ? marks.rollbackEnd - marks.faultLiveAt
    : Number.NaN;
const switchMs =
  marks.rollbackStart !== undefined && marks.rollbackEnd !== undefined
    ? marks.rollbackEnd - marks.rollbackStart
    : Number.NaN;
const r1 = (n: number) => Math.round(n * 10) / 10;

console.log('| measure | value | target |');
console.log('|---|---|---|');
console.log(`| demo canary v2 (5→25→50→100, 3 × 2 s windows) elapsed | ${r1(v2?.elapsedMs ?? Number.NaN)} ms | |`);
console.log(`| … of which configured waits | ${r1(v2?.waitedMs ?? Number.NaN)} ms | |`);
console.log(`| Pilot's own overhead | ${r1(overheadMs)} ms | ≤ 2000 ms |`);
console.log(`| MTTR fault → 100% on stable (1 s interval) | ${r1(mttrMs)} ms | ≤ 5000 ms |`);
console.log(`| … of which the switch | ${r1(switchMs)} ms | < 100 ms |`);
console.log(
  `demo ${result.ok ? 'went as planned' : 'did NOT go as planned'}: ${result.steps.map((s) => `${s.release} ${s.outcome}`).join(', ')}`,
);

const file = await writeBenchResult(repoRoot, {
  name: 'orchestrator',
  description:
    "Pilot's own overhead beyond configured waits on the demo canary, and MTTR from a faulty canary to 100% on stable with a 1 s interval, local router target",
  figures: {
    canaryElapsedMs: r1(v2?.elapsedMs ?? Number.NaN),
    canaryWaitsMs: r1(v2?.waitedMs ?? Number.NaN),
    overheadMs: r1(overheadMs),
    mttrMs: r1(mttrMs),
    switchMs: r1(switchMs),
    demoOk: result.ok ? 'yes' : 'no',
  },
  // No reference orchestrator runs here (Argo Rollouts and Flagger need Kubernetes); MTTR is compared with the analysis interval instead.
  ratios: { 'mttr/interval': r1(mttrMs / 1000) },
  targets: [
    {
      name: 'overhead beyond configured waits',
      target: '≤ 2 s',
      actual: `${r1(overheadMs)} ms`,
      met: overheadMs <= 2000,
    },
    { name: 'MTTR fault → stable (1 s interval)', target: '≤ 5 s', actual: `${r1(mttrMs)} ms`, met: mttrMs <= 5000 },
    { name: 'traffic switch', target: '< 100 ms', actual: `${r1(switchMs)} ms`, met: switchMs < 100 },
  ],
});
console.log(`written ${file}`);
process.exitCode = result.ok ? 0 : 1;
