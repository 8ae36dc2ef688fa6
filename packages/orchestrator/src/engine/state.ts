import type { Release } from '@pilot/core';

/** What a deployment has done so far: journalled with every completed step (`state`), so resume and abort rebuild it. */
export interface RunState {
  release?: Release;
  /** The release serving before this deployment: where a rollback goes. */
  stable?: Release;
  tag?: string;
  tagCreated?: boolean;
  tagPushed?: boolean;
  prepared?: boolean;
  weight?: number;
  promoted?: boolean;
  backup?: Record<string, unknown>;
  /** Migrations the migrate step applied, and the verified dump taken before them. */
  migrations?: { applied: string[]; dump?: string };
  /** The background attestation started after the build. */
  attestation?: { pid?: number };
  dueAt?: string;
  forced?: string[];
}

/** Raised by an analysis step whose verdict is "roll back": the deployment rolls back and exits 1. */
export class VerdictRollback extends Error {
  constructor(
    message: string,
    readonly reasons: Record<string, unknown>[],
  ) {
    super(message);
  }
}
