// Whole canary deployments simulated second by second, judged by the real judges: the sequential one at every look,
// the fixed-window one at the end of each step's window.
import { seededRandom } from '@pilot/core';
import { judgeCanary } from '../judge/judge.ts';
import {
  type SequentialOptions,
  addLook,
  newEvidence,
  rejectsErrors,
  rejectsLatency,
} from '../judge/sequential/sequential-judge.ts';
import type { Sample } from '../rules/evaluate.ts';

export interface Scenario {
  /** Requests per second, both sides together. */
  rate: number;
  stable: { errorRate: number; medianMs: number };
  candidate: { errorRate: number; medianMs: number };
  /** Canary weights before promotion, window per step and look interval (defaults: 5, 25, 50; 30 s; 1 s). */
  weights?: number[];
  windowS?: number;
  lookS?: number;
}

export interface Outcome {
  /** Seconds from the start of the canary to the rollback; undefined: promoted (or paused, fixed judge). */
  rollbackS?: number;
}

// Latency log-normal around the median (sigma 0.3), errors Bernoulli; each request goes to the candidate with chance weight.
function look(
  random: () => number,
  s: Scenario,
  weight: number,
  startMs: number,
  lookMs: number,
): { stable: Sample[]; candidate: Sample[] } {
  const stable: Sample[] = [];
  const candidate: Sample[] = [];
  const n = Math.round((s.rate * lookMs) / 1000);
  for (let i = 0; i < n; i++) {
    const toCandidate = random() * 100 < weight;
    const side = toCandidate ? s.candidate : s.stable;
    const z = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    const sample: Sample = [
      startMs + (i * lookMs) / n,
      random() < side.errorRate ? 500 : 200,
      side.medianMs * Math.exp(0.3 * z),
    ];
    (toCandidate ? candidate : stable).push(sample);
  }
  return { stable, candidate };
}

/** One deployment with both judges on the same simulated traffic. */
export function simulateDeployment(
  s: Scenario,
  seed: number,
  o: SequentialOptions = {},
  withFixed = true,
): { sequential: Outcome; fixed: Outcome } {
  const random = seededRandom(seed);
  const weights = s.weights ?? [5, 25, 50];
  const windowS = s.windowS ?? 30;
  const lookS = s.lookS ?? 1;
  let evidence = newEvidence('candidate', 'stable');
  const sequential: Outcome = {};
  const fixed: Outcome = {};
  for (let step = 0; step < weights.length; step++) {
    const window = { stable: [] as Sample[], candidate: [] as Sample[] };
    for (let t = lookS; t <= windowS; t += lookS) {
      const batch = look(random, s, weights[step], (step * windowS + t - lookS) * 1000, lookS * 1000);
      if (sequential.rollbackS === undefined) {
        evidence = addLook(evidence, batch.stable, batch.candidate, o);
        if (rejectsErrors(evidence, o) || rejectsLatency(evidence, o)) sequential.rollbackS = step * windowS + t;
      }
      if (withFixed && fixed.rollbackS === undefined) {
        for (const x of batch.stable) window.stable.push(x);
        for (const x of batch.candidate) window.candidate.push(x);
      }
    }
    if (withFixed && fixed.rollbackS === undefined && judgeCanary(window.stable, window.candidate).decision === 'fail')
      fixed.rollbackS = (step + 1) * windowS;
    if (sequential.rollbackS !== undefined && (!withFixed || fixed.rollbackS !== undefined)) break;
  }
  return { sequential, fixed };
}

/** Share of deployments rolled back and the median time to rollback (of those rolled back), over `runs` seeds. */
export function summarise(outcomes: Outcome[]): { rolledBack: number; medianS?: number } {
  const times = outcomes.flatMap((o) => (o.rollbackS === undefined ? [] : [o.rollbackS])).sort((a, b) => a - b);
  return {
    rolledBack: times.length / outcomes.length,
    medianS: times.length ? times[Math.floor((times.length - 1) / 2)] : undefined,
  };
}
