import type { Sample } from '../rules/evaluate.ts';
import { mannWhitneyGreater } from './tests.ts';
import { twoProportionGreater } from './two-proportion.ts';

export interface JudgeOptions {
  /** Fewer requests than this on either side: no verdict ("inconclusive"), never a pass. */
  minSamples?: number;
  /**
   * Chance that a candidate no worse than stable passes (default 0.98). Its complement, the false-positive budget, is
   * split between the two critical tests (Bonferroni), so the judge as a whole keeps it.
   */
  confidence?: number;
  /**
   * Part of that budget spent on latency, the rest on errors (default 0.05). Latency needs little: at canary sizes its
   * power is set by the latencyRatio gate, while error counts are scarce and need all the budget they can get.
   */
  latencyShare?: number;
  /**
   * Smallest latency slowdown that matters, relative: candidate median / stable median (default 1.1). A latency
   * regression fails only when it clears this and `latencyDeltaMs` both, i.e. the candidate's median is at least
   * max(stable × latencyRatio, stable + latencyDeltaMs).
   */
  latencyRatio?: number;
  /**
   * Smallest latency slowdown that matters in milliseconds, whatever the ratio (default 25). Two identical releases
   * on a busy 2-core host differ in median over a 1 s window by 8–16 ms at the 95th percentile and up to 15–22 ms
   * (scheduling noise; `pnpm bench`, analysis-loaded-host): a 5 ms floor rolled unchanged code back there.
   */
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

/** The latency test's minimum effect: a slowdown must reach both (see JudgeOptions). */
export const DEFAULT_LATENCY_RATIO = 1.1;
export const DEFAULT_LATENCY_DELTA_MS = 25;

const isError = (s: Sample) => s[1] === 0 || s[1] >= 500;

/**
 * Kayenta-style comparison of candidate against stable over the same window: Mann-Whitney U on latency and an
 * exact two-proportion test on errors; a metric fails only when the difference is both significant and large enough.
 */
export function judgeCanary(stable: Sample[], candidate: Sample[], options: JudgeOptions = {}): Judgement {
  const minSamples = options.minSamples ?? 10;
  const { latencyAlpha, errorAlpha } = alphasOf(options);
  const latencyRatio = options.latencyRatio ?? DEFAULT_LATENCY_RATIO;
  const errorIncrease = options.errorIncrease ?? 0.01;
  const latencyDeltaMs = options.latencyDeltaMs ?? DEFAULT_LATENCY_DELTA_MS;
  const samples = { stable: stable.length, candidate: candidate.length };
  if (stable.length < minSamples || candidate.length < minSamples) {
    // Counts as counts, only the side(s) short of data: "5 candidate requests, at least 10 needed".
    const short = [
      candidate.length < minSamples && `${candidate.length} candidate`,
      stable.length < minSamples && `${stable.length} stable`,
    ].filter(Boolean);
    const why = `${short.join(' and ')} requests, at least ${minSamples}${short.length > 1 ? ' each' : ''} needed`;
    return {
      decision: 'nodata',
      score: 0,
      samples,
      metrics: [
        {
          metric: 'error_rate',
          critical: true,
          result: 'nodata',
          stable: stable.length,
          candidate: candidate.length,
          test: 'no-data policy',
          threshold: `≥ ${minSamples} requests per side`,
          detail: why,
        },
      ],
    };
  }
  const metrics = [
    judgeErrorRate(
      stable.filter(isError).length,
      stable.length,
      candidate.filter(isError).length,
      candidate.length,
      errorAlpha,
      errorIncrease,
    ),
  ];
  const latS = stable.filter((s) => s[1] !== 0).map((s) => s[2]);
  const latC = candidate.filter((s) => s[1] !== 0).map((s) => s[2]);
  if (latS.length >= minSamples && latC.length >= minSamples) {
    const mw = mannWhitneyGreater(latS, latC);
    const ratio = mw.medianStable > 0 ? mw.medianCandidate / mw.medianStable : 1;
    // Significant, and large enough to matter both relatively and absolutely: host noise of a few ms never fails a canary.
    const minimum = Math.max(mw.medianStable * latencyRatio, mw.medianStable + latencyDeltaMs);
    const latFail = mw.p < latencyAlpha && mw.medianCandidate >= minimum;
    metrics.push({
      metric: 'latency',
      critical: true,
      result: latFail ? 'fail' : 'pass',
      stable: round(mw.medianStable),
      candidate: round(mw.medianCandidate),
      test: `Mann-Whitney U, one-sided: U=${round(mw.u)}, z=${round(mw.z)}, p=${mw.p.toPrecision(3)}, effect r=${round(mw.effect)}`,
      threshold: `fail when p < ${round(latencyAlpha)} and the median is ≥ ${round(minimum)} ms (${latencyRatio}× stable and ≥ ${latencyDeltaMs} ms above it)`,
      detail: `median latency ${round(mw.medianCandidate)} ms vs ${round(mw.medianStable)} ms (×${round(ratio)})`,
    });
  } else {
    metrics.push({
      metric: 'latency',
      critical: true,
      result: 'nodata',
      stable: latS.length,
      candidate: latC.length,
      test: 'no-data policy',
      threshold: `≥ ${minSamples} answered requests per side`,
      detail: 'too few answered requests to compare latency',
    });
  }
  const judged = metrics.filter((m) => m.result !== 'nodata');
  const score = judged.length
    ? Math.round((100 * judged.filter((m) => m.result === 'pass').length) / judged.length)
    : 0;
  const criticalFail = metrics.some((m) => m.critical && m.result === 'fail');
  const decision = criticalFail
    ? 'fail'
    : metrics.some((m) => m.result === 'nodata')
      ? 'nodata'
      : score >= (options.passScore ?? 95)
        ? 'pass'
        : score >= (options.marginalScore ?? 75)
          ? 'marginal'
          : 'fail';
  return { decision, score, metrics, samples };
}

/** The p-value thresholds of the two tests: together they spend the false-positive budget, 1 − confidence. */
export function alphasOf(options: JudgeOptions): { latencyAlpha: number; errorAlpha: number } {
  const budget = 1 - (options.confidence ?? 0.98);
  const latencyAlpha = budget * (options.latencyShare ?? 0.05);
  return { latencyAlpha, errorAlpha: budget - latencyAlpha };
}

/** The error-rate metric: fails when the exact one-sided test finds the candidate worse (p < alpha) by at least `increase`. */
export function judgeErrorRate(
  errorsStable: number,
  nStable: number,
  errorsCandidate: number,
  nCandidate: number,
  alpha: number,
  increase: number,
): MetricJudgement {
  const prop = twoProportionGreater(errorsStable, nStable, errorsCandidate, nCandidate);
  const fail = prop.p < alpha && prop.rateCandidate - prop.rateStable >= increase;
  return {
    metric: 'error_rate',
    critical: true,
    result: fail ? 'fail' : 'pass',
    stable: round(prop.rateStable),
    candidate: round(prop.rateCandidate),
    test: `exact unconditional two-proportion test (pooled z), one-sided: z=${round(prop.z)}, p=${prop.p.toPrecision(3)}`,
    threshold: `fail when p < ${round(alpha)} and the error rate is ≥ ${increase} above stable`,
    detail: `${errorsCandidate}/${nCandidate} candidate vs ${errorsStable}/${nStable} stable requests failed`,
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
