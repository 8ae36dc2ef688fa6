// Exact figures for the judge's error-rate test, computed from binomial distributions rather than simulated.
import { judgeErrorRate } from '../judge/judge.ts';
import { binomialMass, chanceOfRegion, maximiseOverRates } from '../judge/two-proportion.ts';

/** For each count of stable errors out of n, the fewest candidate errors out of n that the judge fails (n + 1: none). */
export function failBoundary(n: number, alpha: number, increase: number): Int32Array {
  const boundary = new Int32Array(n + 1);
  for (let s = 0, lo = 0; s <= n; s++) {
    // Failing only gets likelier with more candidate errors and less likely with more stable ones: bisect from the last boundary.
    let hi = n + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (judgeErrorRate(s, n, mid, n, alpha, increase).result === 'fail') hi = mid;
      else lo = mid + 1;
    }
    boundary[s] = lo;
  }
  return boundary;
}

/** Exact chance that the error test fails the candidate when stable's requests fail at one rate and the candidate's at another. */
export function chanceOfFailing(boundary: Int32Array, rateStable: number, rateCandidate: number): number {
  const mass = binomialMass(boundary.length - 1);
  return chanceOfRegion(boundary, mass(rateStable), mass(rateCandidate));
}

/** The error test's largest false-positive rate over every baseline error rate (identical sides). */
export function worstFalsePositiveRate(boundary: Int32Array): number {
  return maximiseOverRates((rate) => chanceOfFailing(boundary, rate, rate));
}

/**
 * The highest power any test (randomised or not) can have against this pair of rates, n requests per side, while its
 * false-positive rate stays ≤ alpha at every baseline: for one baseline the Neyman–Pearson test is the most powerful,
 * so the least of their powers over baselines bounds every such test (a linear program over all tests at n = 200,
 * 1% → 5%, attains the same 65.8%, so the bound is tight there).
 */
export function bestPossiblePower(n: number, rateStable: number, rateCandidate: number, alpha: number): number {
  const mass = binomialMass(n);
  const [altStable, altCandidate] = [mass(rateStable), mass(rateCandidate)];
  const logit = (p: number) => Math.log(p / (1 - p));
  const outcomes = Int32Array.from({ length: (n + 1) ** 2 }, (_, i) => i);
  return -maximiseOverRates((rate) => {
    const base = mass(rate);
    // The likelihood ratio of (s, c) grows with s·a + c·b: reject in that order until the null chance reaches alpha.
    const [a, b] = [logit(rateStable) - logit(rate), logit(rateCandidate) - logit(rate)];
    const score = (i: number) => Math.floor(i / (n + 1)) * a + (i % (n + 1)) * b;
    outcomes.sort((i, j) => score(j) - score(i));
    let [size, power] = [0, 0];
    for (const i of outcomes) {
      const [s, c] = [Math.floor(i / (n + 1)), i % (n + 1)];
      const [chance, gain] = [base[s] * base[c], altStable[s] * altCandidate[c]];
      // The last outcome is rejected only in part (randomised), to spend exactly alpha.
      if (size + chance >= alpha) return -(power + (gain * (alpha - size)) / chance);
      size += chance;
      power += gain;
    }
    return -power;
  });
}
