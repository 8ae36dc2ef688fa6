import type { Release } from '@pilot/core';
import type { StepSpec } from '../engine/plan.ts';

/** The analysis package's verdict (packages/analysis). */
export interface Verdict {
  decision: 'continue' | 'promote' | 'rollback' | 'inconclusive';
  reasons: Record<string, unknown>[];
}

export interface SmokeOutcome {
  passed: boolean;
  /** The failed checks, one line each (name, URL, what was wrong, body excerpt, attempts), for the console and the journal. */
  failures?: string;
  results: Record<string, unknown>[];
}

/** What the orchestrator needs from analysis; the default implementation wires @pilot/analysis, tests and the demo may inject their own. */
export interface AnalysisPort {
  /**
   * Smoke tests against `baseUrl` (the candidate itself where the target exposes it). `ready`: the target already saw
   * it pass its readiness probes, so a wrong answer fails at once; only a connection that gets no answer is retried.
   */
  smoke(baseUrl: string, signal: AbortSignal, o?: { ready?: boolean }): Promise<SmokeOutcome>;
  /**
   * Watches a step for `holdMs`, evaluating every `intervalMs`; resolves early with `rollback` on a critical breach.
   * `phase` is `canary` (candidate beside stable), `pre-promotion` (blue-green, no traffic) or `watch` (after promotion).
   */
  analyse(o: {
    phase: 'canary' | 'pre-promotion' | 'watch';
    step: StepSpec;
    candidate: Release;
    stable?: Release;
    baseUrl: string;
    candidateUrl: string;
    holdMs: number;
    intervalMs: number;
    signal: AbortSignal;
    /** The sequential judge's evidence so far in this deployment (journalled; opaque here): earlier steps', or the killed run's. */
    evidence?: Record<string, unknown>;
    /** Called with the evidence after each look, before its verdict acts, so the journal has it if the run is killed. */
    onEvidence?: (evidence: Record<string, unknown>) => Promise<void>;
  }): Promise<Verdict>;
}
