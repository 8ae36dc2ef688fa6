import type { EnvContext, LockRecord, Logger, Release, TargetDriver } from '@pilot/core';
import type { DeliveryRecord } from '@pilot/notify';
import type { AnalysisPort } from '../analysis/port.ts';
import type { StepHook } from './hooks.ts';
import type { StepSpec } from './plan.ts';
import type { Runner } from './runner.ts';
import type { RunState } from './state.ts';

/** Everything one run of a deployment (first run or a resume) works with. */
export interface DeployRun {
  id: string;
  ctx: EnvContext;
  log: Logger;
  signal: AbortSignal;
  runner: Runner;
  target: TargetDriver;
  analysis: AnalysisPort;
  plan: StepSpec[];
  state: RunState;
  lock?: LockRecord;
  hooks: StepHook[];
  /** The prospective release in a dry run (nothing is built). */
  candidate: () => Release;
  /** `promote --full`: skip the remaining analysis and go to 100%. */
  full?: boolean;
  /** Resuming a due `wait` step or an explicit promote/resume of a pause. */
  continuePause?: boolean;
  buildEnv?: Record<string, string>;
  startedMs: number;
  /** The messages sent to the environment's channels in this run, delivered or not. */
  notifications?: DeliveryRecord[];
  /** Milliseconds spent in configured waits (analysis windows, watch), for the overhead benchmark. */
  waitedMs: number;
}
