import { errorFunction, median } from 'simple-statistics';

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
  const all = [...candidate.map((v) => ({ v, c: true })), ...stable.map((v) => ({ v, c: false }))].sort(
    (a, b) => a.v - b.v,
  );
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
    // From erf (error ≤ 1.2e-7), not the normal table, which rounds z to 0.01: too coarse for a small share of the budget.
    p: (1 - errorFunction(z / Math.SQRT2)) / 2,
    effect: (2 * u) / (n1 * n2) - 1,
    medianStable: median(stable),
    medianCandidate: median(candidate),
  };
}
