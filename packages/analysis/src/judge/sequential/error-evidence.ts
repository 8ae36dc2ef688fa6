import { gammaln } from 'simple-statistics';

/**
 * Odds ratios (candidate's odds of failing over stable's) the mixture bets on, equally weighted: from a mild regression
 * to a dead release. Each is one likelihood-ratio martingale; their average is the error test's e-value.
 */
export const ERROR_ODDS_RATIOS = [1.5, 2, 3, 5, 8, 13, 25, 50];

/** A fresh error test: log of each odds ratio's likelihood-ratio product. */
export function newErrorEvidence(): number[] {
  return ERROR_ODDS_RATIOS.map(() => 0);
}

/**
 * One look's requests: `errorsC` of `nC` candidate and `errorsS` of `nS` stable requests failed. Given the look's
 * totals, the candidate's share of its errors follows Fisher's noncentral hypergeometric law with the odds ratio ψ; at
 * ψ ≤ 1 (candidate no worse) each factor below has expectation ≤ 1 whatever stable's error rate is, even one that
 * changes from look to look, and whatever the traffic split — so the weight of a step is accounted for by the counts.
 */
export function addErrorLook(logs: number[], nC: number, errorsC: number, nS: number, errorsS: number): number[] {
  const errors = errorsC + errorsS;
  const low = Math.max(0, errors - nS);
  const high = Math.min(errors, nC);
  // One possible split (no errors, all failed, or one side empty): nothing learnt.
  if (high <= low) return logs;
  const logCount = new Float64Array(high - low + 1);
  for (let y = low; y <= high; y++) logCount[y - low] = logChoose(nC, y) + logChoose(nS, errors - y);
  const logZ1 = logSumExp(logCount, 0, low);
  return logs.map((log, k) => {
    const logPsi = Math.log(ERROR_ODDS_RATIOS[k]);
    return log + errorsC * logPsi - (logSumExp(logCount, logPsi, low) - logZ1);
  });
}

/** The mixture's e-value: the average of the odds ratios' likelihood ratios. */
export function errorEValue(logs: number[]): number {
  return logs.reduce((sum, log) => sum + Math.exp(log), 0) / logs.length;
}

function logChoose(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
}

// log Σ_y exp(logCount[y] + y·logPsi), y from `low`.
function logSumExp(logCount: Float64Array, logPsi: number, low: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logCount.length; i++) max = Math.max(max, logCount[i] + (low + i) * logPsi);
  let sum = 0;
  for (let i = 0; i < logCount.length; i++) sum += Math.exp(logCount[i] + (low + i) * logPsi - max);
  return max + Math.log(sum);
}
