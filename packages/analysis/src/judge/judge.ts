import type { Sample } from '../rules/evaluate.ts';
import { mannWhitneyGreater, twoProportionGreater } from './tests.ts';

export interface JudgeOptions {
  /** Fewer requests than this on either side: no verdict ("inconclusive"), never a pass. */
  minSamples?: number;
  /** Confidence for both tests (default 0.98). */
  confidence?: number;
  /** Smallest latency slowdown that matters: candidate median / stable median (default 1.1). */
  latencyRatio?: number;
  /** Smallest latency slowdown that matters in milliseconds, whatever the ratio (default 5). */
  latencyDeltaMs?: number;
  /** Smallest error-rate increase that matters, absolute (default 0.01). */
  errorIncrease?: number;
  /** Score (0–100) from which the canary passes, and from which it is marginal. */
  passScore?: number;
  marginalScore?: number;
}

export interface MetricJudgement {
  metric: 'latency' | 'error_rate';
  critical: boolean;
  result: 'pass' | 'fail' | 'nodata';
  stable: number;
  candidate: number;
  test: string;
  threshold: string;
  detail: string;
}

export interface Judgement {
  decision: 'pass' | 'marginal' | 'fail' | 'nodata';
  score: number;
  metrics: MetricJudgement[];
  samples: { stable: number; candidate: number };
}

const isError = (s: Sample) => s[1] === 0 || s[1] >= 500;

/**
 * Kayenta-style comparison of candidate against stable over the same window: Mann-Whitney U on latency and a
 * two-proportion test on errors; a metric fails only when the difference is both significant and large enough.
 */
export function judgeCanary(stable: Sample[], candidate: Sample[], options: JudgeOptions = {}): Judgement {
  const minSamples = options.minSamples ?? 10;
  const alpha = 1 - (options.confidence ?? 0.98);
  const latencyRatio = options.latencyRatio ?? 1.1;
  const errorIncrease = options.errorIncrease ?? 0.01;
  const latencyDeltaMs = options.latencyDeltaMs ?? 5;
  const samples = { stable: stable.length, candidate: candidate.length };
  if (stable.length < minSamples || candidate.length < minSamples) {
    const why = `${candidate.length} candidate and ${stable.length} stable requests; at least ${minSamples} each are needed`;
    return {
      decision: 'nodata',
      score: 0,
      samples,
      metrics: [{ metric: 'error_rate', critical: true, result: 'nodata', stable: stable.length, candidate: candidate.length, test: 'no-data policy', threshold: `≥ ${minSamples} requests per side`, detail: why }],
    };
  }
  const metrics: MetricJudgement[] = [];
  const errS = stable.filter(isError).length;
  const errC = candidate.filter(isError).length;
  const prop = twoProportionGreater(errS, stable.length, errC, candidate.length);
  const errFail = prop.p < alpha && prop.rateCandidate - prop.rateStable >= errorIncrease;
  metrics.push({
    metric: 'error_rate',
    critical: true,
    result: errFail ? 'fail' : 'pass',
    stable: round(prop.rateStable),
    candidate: round(prop.rateCandidate),
    test: `two-proportion z-test, one-sided: z=${round(prop.z)}, p=${round(prop.p)}`,
    threshold: `fail when p < ${round(alpha)} and the increase is ≥ ${errorIncrease}`,
    detail: `${errC}/${candidate.length} candidate vs ${errS}/${stable.length} stable requests failed`,
  });
  const latS = stable.filter((s) => s[1] !== 0).map((s) => s[2]);
  const latC = candidate.filter((s) => s[1] !== 0).map((s) => s[2]);
  if (latS.length >= minSamples && latC.length >= minSamples) {
    const mw = mannWhitneyGreater(latS, latC);
    const ratio = mw.medianStable > 0 ? mw.medianCandidate / mw.medianStable : 1;
    // Significant, and large enough to matter both relatively and absolutely (sub-millisecond jitter never fails a canary).
    const latFail = mw.p < alpha && ratio >= latencyRatio && mw.medianCandidate - mw.medianStable >= latencyDeltaMs;
    metrics.push({
      metric: 'latency',
      critical: true,
      result: latFail ? 'fail' : 'pass',
      stable: round(mw.medianStable),
      candidate: round(mw.medianCandidate),
      test: `Mann-Whitney U, one-sided: U=${round(mw.u)}, z=${round(mw.z)}, p=${round(mw.p)}, effect r=${round(mw.effect)}`,
      threshold: `fail when p < ${round(alpha)} and the median is ≥ ${latencyRatio}× and ≥ ${latencyDeltaMs} ms above stable`,
      detail: `median latency ${round(mw.medianCandidate)} ms vs ${round(mw.medianStable)} ms (×${round(ratio)})`,
    });
  } else {
    metrics.push({ metric: 'latency', critical: true, result: 'nodata', stable: latS.length, candidate: latC.length, test: 'no-data policy', threshold: `≥ ${minSamples} answered requests per side`, detail: 'too few answered requests to compare latency' });
  }
  const judged = metrics.filter((m) => m.result !== 'nodata');
  const score = judged.length ? Math.round((100 * judged.filter((m) => m.result === 'pass').length) / judged.length) : 0;
  const criticalFail = metrics.some((m) => m.critical && m.result === 'fail');
  const decision = criticalFail ? 'fail' : metrics.some((m) => m.result === 'nodata') ? 'nodata' : score >= (options.passScore ?? 95) ? 'pass' : score >= (options.marginalScore ?? 75) ? 'marginal' : 'fail';
  return { decision, score, metrics, samples };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
