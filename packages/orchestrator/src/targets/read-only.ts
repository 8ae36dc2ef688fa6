import { PilotError, type TargetDriver, type TargetStatus } from '@pilot/core';
import { routerDirOf, routerRunning } from '@pilot/router';

/**
 * A dry run's view of a target: it plans and reads what already runs, and never starts, stops or changes anything.
 * For the local target that means not starting the router just to ask it what it serves.
 */
export function readOnlyTarget(target: TargetDriver, o: { root: string; envName: string }): TargetDriver {
  const refuse = (what: string) => async () => {
    throw new PilotError(`pilot bug: a dry run tried to ${what} on the ${target.kind} target`);
  };
  return {
    kind: target.kind,
    plan: (candidate, weights) => target.plan(candidate, weights),
    async status(): Promise<TargetStatus> {
      if (target.kind === 'local' && !(await routerRunning(routerDirOf(o.root, o.envName))))
        return { maintenance: false, details: { running: false } };
      return target.status();
    },
    prepare: refuse('start a release'),
    shift: refuse('shift traffic'),
    promote: refuse('promote a release'),
    rollback: refuse('roll back'),
    withdraw: refuse('withdraw a release'),
  };
}
