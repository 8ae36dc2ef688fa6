import type { StepSpec } from './plan.ts';

/** What a hook sees of the running deployment. */
export interface HookContext {
  deploymentId: string;
  envName: string;
  root: string;
  stateDir: string;
  release: { version: string; dir: string; commit?: string; digest?: string };
  dryRun: boolean;
  /** Appends an event to the deployment's journal (a no-op in a dry run). */
  journal(event: string, fields?: Record<string, unknown>): Promise<void>;
}

/**
 * A later capability (attestation, migrations, notifications, gate) plugging into `pilot`: runs before/after
 * steps of a kind. A `before` hook that throws fails the deployment (a gate); `after` hooks and listeners of
 * events should catch their own errors when they must not fail it (a notifier).
 */
export interface StepHook {
  name: string;
  before?: Partial<Record<StepSpec['kind'] | '*', (step: StepSpec, ctx: HookContext) => Promise<void>>>;
  after?: Partial<Record<StepSpec['kind'] | '*', (step: StepSpec, ctx: HookContext) => Promise<void>>>;
}

const registry: StepHook[] = [];

/** Registers a hook for every deployment in this process; returns a function that removes it. */
export function registerStepHook(hook: StepHook): () => void {
  registry.push(hook);
  return () => {
    const index = registry.indexOf(hook);
    if (index >= 0) registry.splice(index, 1);
  };
}

export async function runHooks(
  phase: 'before' | 'after',
  step: StepSpec,
  ctx: HookContext,
  extra: StepHook[] = [],
): Promise<void> {
  for (const hook of [...registry, ...extra]) {
    const fns = hook[phase];
    for (const fn of [fns?.[step.kind], fns?.['*']]) if (fn) await fn(step, ctx);
  }
}
