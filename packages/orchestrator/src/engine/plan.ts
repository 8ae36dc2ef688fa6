import { type EnvironmentConfig, type StrategyConfig, parseDuration } from '@pilot/core';

export type StepKind =
  | 'build'
  | 'dry-run'
  | 'gate'
  | 'tag'
  | 'backup'
  | 'migrate'
  | 'prepare'
  | 'shift'
  | 'smoke'
  | 'analyse'
  | 'pause'
  | 'wait'
  | 'promote'
  | 'watch'
  | 'finalize';

/** One planned step of a deployment; the list is fixed at start and recorded in the journal so resume can continue it. */
export interface StepSpec {
  name: string;
  kind: StepKind;
  weight?: number;
  /** Analysis window (analyse, watch). */
  holdMs?: number;
  /** Delay before the next step (wait): `after: 6h` in a batch. */
  afterMs?: number;
  reason?: string;
}

export interface PlanOptions {
  strategy: StrategyConfig;
  env: EnvironmentConfig;
  backup: boolean;
  /** Apply pending database migrations (safe-migration) before the candidate gets traffic. */
  migrate?: boolean;
  /** The Go/No-Go gate (`gate: true`): decided on the built release (its digest), before it is tagged or started. */
  gate?: boolean;
  /** No release serves yet: nothing to compare a canary with, so the candidate is promoted and then smoke-tested. */
  firstDeploy?: boolean;
  /**
   * The target reaches the candidate on its own port (the local router): it is smoke-tested there right after prepare,
   * before it gets any traffic — readiness is not health.
   */
  smokeFirst?: boolean;
}

/**
 * Orders the steps of a deployment for a strategy: build → dry-run → [gate] → tag → backup → migrate → prepare → (shift → smoke →
 * analyse)… → promote → watch → finalize; with `smokeFirst`, smoke comes right after prepare.
 */
export function planSteps({ strategy, env, backup, migrate, gate, firstDeploy, smokeFirst }: PlanOptions): StepSpec[] {
  const steps: StepSpec[] = [
    { name: 'build', kind: 'build' },
    { name: 'dry-run', kind: 'dry-run' },
  ];
  if (gate) steps.push({ name: 'gate', kind: 'gate' });
  steps.push({ name: 'tag', kind: 'tag' });
  if (backup) steps.push({ name: 'backup', kind: 'backup' });
  if (migrate) steps.push({ name: 'migrate', kind: 'migrate' });
  steps.push({ name: 'prepare', kind: 'prepare' });
  if (smokeFirst) steps.push({ name: 'smoke', kind: 'smoke', weight: 0 });
  const window = parseDuration(strategy.analysisWindow, 'strategy.analysisWindow');
  if (firstDeploy) {
    steps.push({ name: 'promote', kind: 'promote', weight: 100 });
    if (!smokeFirst) steps.push({ name: 'smoke', kind: 'smoke' });
  } else if (strategy.kind === 'blue-green') {
    if (!smokeFirst) steps.push({ name: 'smoke', kind: 'smoke' });
    steps.push({ name: 'analyse-0', kind: 'analyse', weight: 0, holdMs: window });
  } else {
    let smoked = Boolean(smokeFirst);
    strategy.steps.forEach((raw, index) => {
      if (typeof raw === 'object' && 'pause' in raw) {
        steps.push({ name: `pause-${index + 1}`, kind: 'pause', reason: raw.reason ?? 'manual approval' });
        return;
      }
      const weight = typeof raw === 'number' ? raw : raw.weight;
      const after =
        typeof raw === 'object' && 'after' in raw && raw.after !== undefined
          ? parseDuration(raw.after, `strategy.steps.${index}.after`)
          : 0;
      const hold =
        typeof raw === 'object' && 'hold' in raw && raw.hold !== undefined
          ? parseDuration(raw.hold, `strategy.steps.${index}.hold`)
          : window;
      if (after > 0) steps.push({ name: `wait-${index + 1}`, kind: 'wait', afterMs: after, weight });
      if (weight >= 100) return;
      steps.push({ name: `shift-${weight}`, kind: 'shift', weight });
      if (!smoked) {
        steps.push({ name: 'smoke', kind: 'smoke', weight });
        smoked = true;
      }
      if (hold > 0) steps.push({ name: `analyse-${weight}`, kind: 'analyse', weight, holdMs: hold });
    });
    if (!smoked) steps.push({ name: 'smoke', kind: 'smoke' });
  }
  if (!firstDeploy) steps.push({ name: 'promote', kind: 'promote', weight: 100 });
  const watch = parseDuration(env.watch, 'watch');
  if (watch > 0) steps.push({ name: 'watch', kind: 'watch', holdMs: watch, weight: 100 });
  steps.push({ name: 'finalize', kind: 'finalize' });
  return uniqueNames(steps);
}

/** Weights the target is shifted through, for its plan(). */
export function weightsOf(steps: StepSpec[]): number[] {
  return steps.filter((s) => s.kind === 'shift' || s.kind === 'promote').map((s) => s.weight ?? 100);
}

// A weight used twice (e.g. two 50% holds) still needs distinct step names for the journal and the kill hook.
function uniqueNames(steps: StepSpec[]): StepSpec[] {
  const seen = new Map<string, number>();
  return steps.map((step) => {
    const count = (seen.get(step.name) ?? 0) + 1;
    seen.set(step.name, count);
    return count === 1 ? step : { ...step, name: `${step.name}.${count}` };
  });
}
