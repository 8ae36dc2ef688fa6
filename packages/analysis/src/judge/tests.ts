import { cumulativeStdNormalProbability, median } from 'simple-statistics';

export interface MannWhitney {
  u: number;
  z: number;
  /** One-sided p-value for "candidate is slower". */
  p: number;
  /** Rank-biserial correlation: -1..1, positive when the candidate is slower. */
  effect: number;
  medianStable: number;
  medianCandidate: number;
}

/** Mann-Whitney U (normal approximation with tie correction), one-sided: is `candidate` stochastically greater than `stable`? */
export function mannWhitneyGreater(stable: number[], candidate: number[]): MannWhitney {
  const n1 = candidate.length;
  const n2 = stable.length;
  const all = [...candidate.map((v) => ({ v, c: true })), ...stable.map((v) => ({ v, c: false }))].sort((a, b) => a.v - b.v);
  let rankSumCandidate = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    const ties = j - i + 1;
    tieTerm += ties ** 3 - ties;
    for (let k = i; k <= j; k++) if (all[k].c) rankSumCandidate += rank;
    i = j + 1;
  }
  const u = rankSumCandidate - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sigma > 0 ? (u - (n1 * n2) / 2 - 0.5) / sigma : 0;
  return {
    u,
    z,
    p: 1 - cumulativeStdNormalProbability(z),
    effect: (2 * u) / (n1 * n2) - 1,
    medianStable: median(stable),
    medianCandidate: median(candidate),
  };
}

export interface TwoProportion {
  z: number;
  /** One-sided p-value for "candidate fails more often". */
  p: number;
  rateStable: number;
  rateCandidate: number;
}

/** Two-proportion z-test (pooled), one-sided: does the candidate fail more often than stable? */
export function twoProportionGreater(errorsStable: number, nStable: number, errorsCandidate: number, nCandidate: number): TwoProportion {
  const rateStable = errorsStable / nStable;
  const rateCandidate = errorsCandidate / nCandidate;
  const pooled = (errorsStable + errorsCandidate) / (nStable + nCandidate);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nStable + 1 / nCandidate));
  const z = se > 0 ? (rateCandidate - rateStable) / se : rateCandidate > rateStable ? Number.POSITIVE_INFINITY : 0;
  return { z, p: 1 - cumulativeStdNormalProbability(z), rateStable, rateCandidate };
}
