import type { VersionIncrease } from '../../providers/prometheus-versions.ts';
import type { Sample } from '../../rules/evaluate.ts';
import { DEFAULT_LATENCY_DELTA_MS, DEFAULT_LATENCY_RATIO, type Judgement, type MetricJudgement } from '../judge.ts';
import { addErrorLook, errorEValue, newErrorEvidence } from './error-evidence.ts';
import { type LatencyHistogram, addCountsToHistogram, addToHistogram, histogramQuantile } from './histogram.ts';
import {
  type BucketedLatency,
  type LatencyEvidence,
  addBucketedLatencyLook,
  addLatencyLook,
  latencyEValue,
  newLatencyEvidence,
} from './latency-evidence.ts';

export interface SequentialOptions {
  /** Chance of rolling back a release no worse than stable over the whole deployment: every step, metric and look (default 0.02). */
  alpha?: number;
  /** Part of alpha spent on latency, the rest on errors (default 0.5). */
  latencyShare?: number;
  /** Minimum latency effect, relative to stable's median and absolute (defaults 1.1 and 25 ms, as the fixed judge). */
  latencyRatio?: number;
  latencyDeltaMs?: number;
  /** Smallest error-rate increase that matters, absolute (default 0.01). */
  errorIncrease?: number;
  /**
   * Part of the minimum latency effect put in the test's null (default 1: all of it, so a slowdown smaller than the
   * effect — host noise — cannot be rejected however long it is watched). Below 1 the test rejects "not slower by more
   * than this part" and the rollback also needs the observed medians to differ by the whole effect, as the fixed judge
   * does: faster, but a slowdown just under the effect is then rolled back sometimes (`pnpm bench`, +20 ms at 100 ms).
   */
  latencyNullShare?: number;
}

interface Side {
  requests: number;
  errors: number;
  latency: LatencyHistogram;
}

/** Everything the sequential judge knows about a deployment: small, JSON, journalled after every look. */
export interface Evidence {
  kind: 'sequential';
  /** Where the looks come from: the router's per-request samples (default), or Prometheus' counters and latency buckets. */
  source?: 'router' | 'prometheus';
  candidate: string;
  stable: string;
  /** Looks (analysis ticks with new requests) so far, over every step. */
  looks: number;
  /** Requests that ended before this time (ms) are counted; later looks count only later ones. */
  cursor: number;
  sides: { stable: Side; candidate: Side };
  errorLogs: number[];
  latency: LatencyEvidence;
  /** Largest e-value each test reached: 1/that is its anytime-valid p-value. */
  maxErrorE: number;
  maxLatencyE: number;
  /** Margin used at the last look (ms). */
  marginMs: number;
}

// Failed requests (no answer or 5xx), and the latencies of the answered ones, in arrival order.
function split(samples: Sample[]): [number, number[]] {
  let errors = 0;
  const latencies: number[] = [];
  for (const [, status, ms] of samples) {
    if (status === 0 || status >= 500) errors++;
    if (status !== 0) latencies.push(ms);
  }
  return [errors, latencies];
}

export function newEvidence(candidate: string, stable: string): Evidence {
  const side = (): Side => ({ requests: 0, errors: 0, latency: {} });
  return {
    kind: 'sequential',
    candidate,
    stable,
    looks: 0,
    cursor: 0,
    sides: { stable: side(), candidate: side() },
    errorLogs: newErrorEvidence(),
    latency: newLatencyEvidence(),
    maxErrorE: 1,
    maxLatencyE: 1,
    marginMs: DEFAULT_LATENCY_DELTA_MS,
  };
}

/** Whether journalled evidence belongs to this candidate and stable (anything else starts afresh). */
export function evidenceFor(value: unknown, candidate: string, stable: string): Evidence | undefined {
  const e = value as Evidence | undefined;
  return e?.kind === 'sequential' && e.candidate === candidate && e.stable === stable && Array.isArray(e.errorLogs)
    ? e
    : undefined;
}

/**
 * Adds one look: the requests of each side that ended since the previous look (and before `until`), in arrival order.
 * The latency margin comes from stable's median before this look, so it never depends on the data it judges.
 */
export function addLook(
  e: Evidence,
  stable: Sample[],
  candidate: Sample[],
  o: SequentialOptions = {},
  until?: number,
): Evidence {
  if (!stable.length && !candidate.length) return e;
  const [errorsS, latS] = split(stable);
  const [errorsC, latC] = split(candidate);
  const marginMs = marginOf(e, o);
  return withLook(e, {
    errorLogs: addErrorLook(e.errorLogs, candidate.length, errorsC, stable.length, errorsS),
    latency: addLatencyLook(e.latency, latC, latS, marginMs * (o.latencyNullShare ?? 1)),
    marginMs,
    cursor: until ?? [...stable, ...candidate].reduce((latest, s) => Math.max(latest, s[0] + 1), e.cursor),
    stable: { requests: stable.length, errors: errorsS, latency: addToHistogram(e.sides.stable.latency, latS) },
    candidate: {
      requests: candidate.length,
      errors: errorsC,
      latency: addToHistogram(e.sides.candidate.latency, latC),
    },
  });
}

/**
 * Adds one look from counters (Prometheus): each side's requests, failures and latency-bucket counts since the previous
 * read. The error test is the same; the latency test compares buckets (`addBucketedLatencyLook`), and the quantiles
 * shown are bucket bounds.
 */
export function addCountedLook(
  e: Evidence,
  stable: VersionIncrease,
  candidate: VersionIncrease,
  o: SequentialOptions = {},
): Evidence {
  if (!stable.requests && !candidate.requests) return e;
  const marginMs = marginOf(e, o);
  const next = withLook(e, {
    errorLogs: addErrorLook(e.errorLogs, candidate.requests, candidate.errors, stable.requests, stable.errors),
    latency: addBucketedLatencyLook(
      e.latency,
      bucketed(candidate),
      bucketed(stable),
      marginMs * (o.latencyNullShare ?? 1),
      e.looks + 1,
    ),
    marginMs,
    cursor: e.cursor,
    stable: {
      requests: stable.requests,
      errors: stable.errors,
      latency: addCountsToHistogram(e.sides.stable.latency, atBounds(stable)),
    },
    candidate: {
      requests: candidate.requests,
      errors: candidate.errors,
      latency: addCountsToHistogram(e.sides.candidate.latency, atBounds(candidate)),
    },
  });
  return { ...next, source: 'prometheus' };
}

// max(the absolute floor, the relative floor on stable's median so far).
function marginOf(e: Evidence, o: SequentialOptions): number {
  const stableMedian = histogramQuantile(e.sides.stable.latency, 0.5);
  return Math.max(
    o.latencyDeltaMs ?? DEFAULT_LATENCY_DELTA_MS,
    Number.isNaN(stableMedian) ? 0 : stableMedian * ((o.latencyRatio ?? DEFAULT_LATENCY_RATIO) - 1),
  );
}

interface Look {
  errorLogs: number[];
  latency: LatencyEvidence;
  marginMs: number;
  cursor: number;
  /** This look's requests and failures per side, and the side's latency histogram with them. */
  stable: Side;
  candidate: Side;
}

function withLook(e: Evidence, l: Look): Evidence {
  const add = (side: Side, look: Side): Side => ({
    requests: side.requests + look.requests,
    errors: side.errors + look.errors,
    latency: look.latency,
  });
  return {
    ...e,
    looks: e.looks + 1,
    cursor: l.cursor,
    sides: { stable: add(e.sides.stable, l.stable), candidate: add(e.sides.candidate, l.candidate) },
    errorLogs: l.errorLogs,
    latency: l.latency,
    maxErrorE: Math.max(e.maxErrorE, errorEValue(l.errorLogs)),
    maxLatencyE: Math.max(e.maxLatencyE, latencyEValue(l.latency)),
    marginMs: l.marginMs,
  };
}

// Each request of a bucket as the bucket's bounds (lower: the previous bucket's upper bound).
function bucketed(side: VersionIncrease): BucketedLatency[] {
  const out: BucketedLatency[] = [];
  let low = 0;
  for (const [high, count] of side.buckets) {
    for (let i = 0; i < count; i++) out.push([low, high]);
    low = high;
  }
  return out;
}

// Each bucket's requests at its upper bound (the +Inf bucket's at its lower one) for the quantiles shown.
function atBounds(side: VersionIncrease): [number, number][] {
  return side.buckets.map(([high, count], i) => [
    Number.isFinite(high) ? high : (side.buckets[i - 1]?.[0] ?? 0),
    count,
  ]);
}

/** The sequential alphas: one budget for the deployment, split between the two tests (Bonferroni on e-values). */
export function sequentialAlphas(o: SequentialOptions): { errorAlpha: number; latencyAlpha: number } {
  const alpha = o.alpha ?? 0.02;
  const latencyAlpha = alpha * (o.latencyShare ?? 0.5);
  return { errorAlpha: alpha - latencyAlpha, latencyAlpha };
}

/**
 * The verdict of the evidence so far: `fail` as soon as a test's e-value reaches 1/its alpha (errors: and the
 * candidate's error rate is at least `errorIncrease` above stable's), otherwise `pass` — not rejected yet; whether the
 * step may continue is the caller's call (its window and minimum sample).
 */
export function judgeEvidence(e: Evidence, o: SequentialOptions = {}): Judgement {
  const { errorAlpha, latencyAlpha } = sequentialAlphas(o);
  const increase = o.errorIncrease ?? 0.01;
  const { stable, candidate } = e.sides;
  const rateS = stable.requests ? stable.errors / stable.requests : 0;
  const rateC = candidate.requests ? candidate.errors / candidate.requests : 0;
  const errorE = errorEValue(e.errorLogs);
  const errorFail = rejectsErrors(e, o);
  const looks = `${e.looks} look${e.looks === 1 ? '' : 's'}`;
  const metrics: MetricJudgement[] = [
    {
      metric: 'error_rate',
      critical: true,
      result: errorFail ? 'fail' : 'pass',
      stable: round(rateS),
      candidate: round(rateC),
      test: `sequential mixture likelihood ratio on the per-look 2×2 counts (odds ratio > 1), anytime-valid: e=${fmt(errorE)}, p≤${fmt(Math.min(1, 1 / e.maxErrorE))} after ${looks}`,
      threshold: `fail when e ≥ ${fmt(1 / errorAlpha)} (α=${round(errorAlpha)} for the whole deployment) and the error rate is ≥ ${increase} above stable`,
      detail: `${candidate.errors}/${candidate.requests} candidate vs ${stable.errors}/${stable.requests} stable requests failed`,
    },
  ];
  const latencyE = latencyEValue(e.latency);
  const [p50S, p95S, p50C, p95C] = [
    quantile(stable.latency, 0.5),
    quantile(stable.latency, 0.95),
    quantile(candidate.latency, 0.5),
    quantile(candidate.latency, 0.95),
  ];
  const exceed = e.latency.blocks ? e.latency.scoreSum / e.latency.blocks : 0.5;
  metrics.push({
    metric: 'latency',
    critical: true,
    result: rejectsLatency(e, o) ? 'fail' : 'pass',
    stable: p50S,
    candidate: p50C,
    test: `sequential test of "candidate slower by more than the margin" on time-paired requests (${e.latency.blocks} blocks, P(slower by > margin)≈${round(exceed)}), anytime-valid: e=${fmt(latencyE)}, p≤${fmt(Math.min(1, 1 / e.maxLatencyE))} after ${looks}`,
    threshold: `fail when e ≥ ${fmt(1 / latencyAlpha)} (α=${round(latencyAlpha)} for the whole deployment); margin ${round(e.marginMs)} ms (${o.latencyRatio ?? DEFAULT_LATENCY_RATIO}× stable's median and ≥ ${o.latencyDeltaMs ?? DEFAULT_LATENCY_DELTA_MS} ms)`,
    detail: `latency p50 ${p50C} ms vs ${p50S} ms, p95 ${p95C} ms vs ${p95S} ms (candidate vs stable${e.source === 'prometheus' ? ', at Prometheus bucket bounds' : ''})`,
  });
  const failed = metrics.some((m) => m.result === 'fail');
  return {
    decision: failed ? 'fail' : 'pass',
    score: Math.round((100 * metrics.filter((m) => m.result === 'pass').length) / metrics.length),
    metrics,
    samples: { stable: stable.requests, candidate: candidate.requests },
  };
}

/** The error test rejects: e-value ≥ 1/alpha, and the candidate's error rate at least `errorIncrease` above stable's. */
export function rejectsErrors(e: Evidence, o: SequentialOptions = {}): boolean {
  const { stable, candidate } = e.sides;
  if (!candidate.requests || !stable.requests) return false;
  const gap = candidate.errors / candidate.requests - stable.errors / stable.requests;
  return gap >= (o.errorIncrease ?? 0.01) && errorEValue(e.errorLogs) >= 1 / sequentialAlphas(o).errorAlpha;
}

/** The latency test rejects: e-value ≥ 1/alpha (the minimum effect is in its null, through the margin). */
export function rejectsLatency(e: Evidence, o: SequentialOptions = {}): boolean {
  if (latencyEValue(e.latency) < 1 / sequentialAlphas(o).latencyAlpha) return false;
  if ((o.latencyNullShare ?? 1) >= 1) return true;
  const gap = histogramQuantile(e.sides.candidate.latency, 0.5) - histogramQuantile(e.sides.stable.latency, 0.5);
  return gap >= e.marginMs;
}

function quantile(h: LatencyHistogram, q: number): number {
  const value = histogramQuantile(h, q);
  return Number.isNaN(value) ? 0 : Math.round(value * 10) / 10;
}

function fmt(value: number): string {
  return value >= 1000 ? value.toExponential(2) : value.toPrecision(3);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
