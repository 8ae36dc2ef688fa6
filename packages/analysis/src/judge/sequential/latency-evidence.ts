import { seededRandom } from '@pilot/core';
/**
 * Bets of the latency test: the share of the wealth staked on "the candidate is slower by more than the margin" per
 * block. Each is a nonnegative martingale under the null; their average is the latency test's e-value.
 */
export const LATENCY_BETS = [0.25, 0.5, 1, 1.5];

export interface LatencyEvidence {
  /** Log wealth of each bet. */
  logs: number[];
  /** Blocks compared so far, and the sum of their scores (their mean estimates P(candidate > stable + margin)). */
  blocks: number;
  scoreSum: number;
}

export function newLatencyEvidence(): LatencyEvidence {
  return { logs: LATENCY_BETS.map(() => 0), blocks: 0, scoreSum: 0 };
}

/**
 * One look's latencies, both sides in arrival order, split into min(nC, nS) disjoint blocks by time (never by value);
 * a block scores the share of its (candidate, stable) pairs where the candidate is slower by more than `marginMs`
 * (ties count half). Under the null — within a look a candidate request exceeds a stable one by more than the margin
 * at most half the time, i.e. the candidate is not slower by more than the margin — each score has mean ≤ ½, so
 * each bet's wealth Π (1 + λ (score − ½)), λ ≤ 2, is a nonnegative supermartingale (Ville: it reaches 1/α with
 * chance ≤ α, however often it is looked at). Pairing within a look cancels slow drifts that hit both sides alike.
 */
export function addLatencyLook(
  e: LatencyEvidence,
  candidate: number[],
  stable: number[],
  marginMs: number,
): LatencyEvidence {
  return addBlocks(e, candidate, stable, (c, s) => (c > s + marginMs ? 1 : c === s + marginMs ? 0.5 : 0));
}

/** A latency known only to lie in a histogram bucket (lowMs, highMs]. */
export type BucketedLatency = readonly [lowMs: number, highMs: number];

/**
 * One look's latencies from histogram buckets (Prometheus), where the order of requests within the look is unknown:
 * each side's requests are put in a random order (seeded by `seed`, never by the data: a random order of independent
 * requests is distributed as their arrival order) and blocked as above. A pair counts as slower only when the
 * candidate's bucket lies wholly above stable's plus the margin; that never exceeds the exact score, so under the
 * null each block's mean stays ≤ ½ — the test stays valid, and loses the power to see shifts inside a bucket's width.
 */
export function addBucketedLatencyLook(
  e: LatencyEvidence,
  candidate: BucketedLatency[],
  stable: BucketedLatency[],
  marginMs: number,
  seed: number,
): LatencyEvidence {
  const random = seededRandom(seed);
  return addBlocks(e, shuffle(candidate, random), shuffle(stable, random), (c, s) => (c[0] >= s[1] + marginMs ? 1 : 0));
}

// Disjoint blocks, each scoring the share of its (candidate, stable) pairs where `slower` says the candidate is slower by more than the margin.
function addBlocks<T>(
  e: LatencyEvidence,
  candidate: T[],
  stable: T[],
  slower: (c: T, s: T) => number,
): LatencyEvidence {
  const blocks = Math.min(candidate.length, stable.length);
  if (blocks === 0) return e;
  const logs = [...e.logs];
  let scoreSum = e.scoreSum;
  for (let b = 0; b < blocks; b++) {
    const cs = candidate.slice(
      Math.floor((b * candidate.length) / blocks),
      Math.floor(((b + 1) * candidate.length) / blocks),
    );
    const ss = stable.slice(Math.floor((b * stable.length) / blocks), Math.floor(((b + 1) * stable.length) / blocks));
    let wins = 0;
    for (const c of cs) for (const s of ss) wins += slower(c, s);
    const score = wins / (cs.length * ss.length);
    scoreSum += score;
    for (let k = 0; k < logs.length; k++) logs[k] += Math.log1p(LATENCY_BETS[k] * (score - 0.5));
  }
  return { logs, blocks: e.blocks + blocks, scoreSum };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function latencyEValue(e: LatencyEvidence): number {
  return e.logs.reduce((sum, log) => sum + Math.exp(log), 0) / e.logs.length;
}
