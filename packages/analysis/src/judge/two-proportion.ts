import { gammaln } from 'simple-statistics';

export interface TwoProportion {
  /** Pooled two-proportion z statistic, positive when the candidate fails more often. */
  z: number;
  /** Exact one-sided p-value: the largest chance, over every common error rate, of a z at least this large. */
  p: number;
  rateStable: number;
  rateCandidate: number;
}

/**
 * Exact unconditional two-proportion test (pooled z ordering, as Suissa & Shuster), one-sided: does the candidate
 * fail more often than stable? Unlike the normal approximation its false-positive rate stays within the p threshold
 * at every sample size and every baseline error rate, since the p-value is maximised over the unknown common rate.
 */
export function twoProportionGreater(
  errorsStable: number,
  nStable: number,
  errorsCandidate: number,
  nCandidate: number,
): TwoProportion {
  const z = pooledZ(errorsStable, nStable, errorsCandidate, nCandidate);
  const rates = { rateStable: errorsStable / nStable, rateCandidate: errorsCandidate / nCandidate };
  // As the common rate nears 0, no errors on either side (z = 0) becomes certain: for any z ≤ 0 the largest chance is 1.
  if (z <= 0) return { z, p: 1, ...rates };
  // first[s]: the fewest candidate errors that, with s stable errors, give a z at least as large as the observed one
  // (z grows with the candidate's errors and falls with stable's, so these only rise).
  const first = new Int32Array(nStable + 1);
  for (let s = 0, c = 0; s <= nStable; s++) {
    while (c <= nCandidate && pooledZ(s, nStable, c, nCandidate) < z - 1e-9) c++;
    first[s] = c;
  }
  const massStable = binomialMass(nStable);
  const massCandidate = nCandidate === nStable ? massStable : binomialMass(nCandidate);
  const p = maximiseOverRates((rate) => {
    const stable = massStable(rate);
    return chanceOfRegion(first, stable, nCandidate === nStable ? stable : massCandidate(rate));
  });
  return { z, p: Math.min(1, p), ...rates };
}

/** Chance of the outcomes with at least first[s] candidate errors when stable has s, given both sides' error-count masses. */
export function chanceOfRegion(first: Int32Array, stable: Float64Array, candidate: Float64Array): number {
  const atLeast = new Float64Array(candidate.length + 1);
  for (let c = candidate.length - 1; c >= 0; c--) atLeast[c] = atLeast[c + 1] + candidate[c];
  let chance = 0;
  for (let s = 0; s < stable.length; s++) chance += stable[s] * atLeast[first[s]];
  return chance;
}

function pooledZ(errorsStable: number, nStable: number, errorsCandidate: number, nCandidate: number): number {
  const pooled = (errorsStable + errorsCandidate) / (nStable + nCandidate);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nStable + 1 / nCandidate));
  return se > 0 ? (errorsCandidate / nCandidate - errorsStable / nStable) / se : 0;
}

/** Binomial(n, rate) probability masses for 0..n, from log binomial coefficients (simple-statistics' gammaln) computed once per n. */
export function binomialMass(n: number): (rate: number) => Float64Array {
  const logAll = gammaln(n + 1);
  const logChoose = Float64Array.from({ length: n + 1 }, (_, x) => logAll - gammaln(x + 1) - gammaln(n - x + 1));
  return (rate) => {
    const mass = new Float64Array(n + 1);
    if (rate <= 0 || rate >= 1) {
      mass[rate <= 0 ? 0 : n] = 1;
      return mass;
    }
    const logRate = Math.log(rate);
    const logRest = Math.log1p(-rate);
    // Farther than 12 standard deviations (plus a margin for small counts) from the mean the masses are below 1e-30: left at 0.
    const spread = 12 * Math.sqrt(n * rate * (1 - rate)) + 30;
    const to = Math.min(n, Math.ceil(n * rate + spread));
    for (let x = Math.max(0, Math.floor(n * rate - spread)); x <= to; x++)
      mass[x] = Math.exp(logChoose[x] + x * logRate + (n - x) * logRest);
    return mass;
  };
}

const GRID = 100;
const REFINE = 10;

/** The largest value of f over rates in (0, 1): a grid even in arcsine scale (where binomial noise is even), then a finer one around its best point. */
export function maximiseOverRates(f: (rate: number) => number): number {
  const step = Math.PI / 2 / (GRID + 1);
  const at = (theta: number) => f(Math.sin(theta) ** 2);
  let best = Number.NEGATIVE_INFINITY;
  let bestTheta = step;
  for (let k = 1; k <= GRID; k++) {
    const value = at(k * step);
    if (value > best) [best, bestTheta] = [value, k * step];
  }
  for (let k = 1; k < 2 * REFINE; k++) best = Math.max(best, at(bestTheta - step + (k * step) / REFINE));
  return best;
}
