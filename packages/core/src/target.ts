/** A release as the target drivers take it: built, immutable, identified by version. */
export interface Release {
  version: string;
  /** Immutable folder holding what runs (`.pilot/releases/<version>/app` for the local target). */
  dir: string;
  commit?: string;
  etag?: string;
  /** sha256 of the release archive: what gets signed. */
  digest?: string;
  createdAt?: string;
}

/** One action a driver would take, shown by `--dry-run` with the exact command where there is one. */
export interface PlanStep {
  action: 'prepare' | 'shift' | 'promote' | 'rollback' | 'status' | 'dry-run' | 'stop';
  description: string;
  command?: string[];
}

export interface TargetStatus {
  stable?: { version: string; healthy: boolean };
  candidate?: { version: string; weight: number; healthy: boolean };
  maintenance?: boolean;
  details?: Record<string, unknown>;
}

/** What every target (local router, user commands, later Kubernetes) does for the orchestrator. */
export interface TargetDriver {
  readonly kind: string;
  /** The steps a deployment of `candidate` would take, for --dry-run; validates what can be validated without changing anything. */
  plan(candidate: Release, weights: number[]): Promise<PlanStep[]>;
  /** Starts the candidate beside stable with no traffic; resolves once it is ready (or throws). */
  prepare(candidate: Release): Promise<void>;
  /** Sends `weight`% (0–100) of traffic to the candidate. */
  shift(candidate: Release, weight: number): Promise<void>;
  /** Makes the candidate the stable release at 100%; the old one drains (and may be kept warm). */
  promote(candidate: Release): Promise<void>;
  /** Sends all traffic back to `to` (default: the stable release) and retires the candidate. */
  rollback(to?: Release): Promise<void>;
  /**
   * A first deployment failed (nothing served before): takes `candidate` out of service so that no release is live.
   * Targets that cannot do this leave it out, and the orchestrator says the failed release still serves.
   */
  withdraw?(candidate: Release): Promise<void>;
  status(): Promise<TargetStatus>;
}
