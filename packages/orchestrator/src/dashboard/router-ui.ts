// Loaded by the local router's daemon (compiled on first use) for its `/ui/` page: the environment as `pilot status`
// reads it, and the page's actions as the CLI runs them. Kept out of @pilot/router, which this package depends on.
import { join } from 'node:path';
import type { ActionName } from '@pilot/dashboard';
import { runPageAction } from './actions.ts';
import { environmentView, reportPath } from './view.ts';

export function routerUiBackend(o: { root: string; stateDir: string; envName: string; routerDir: string }) {
  return {
    environment: () => environmentView(o),
    act: (action: ActionName, actor: string) =>
      runPageAction({ ...o, logFile: join(o.routerDir, 'logs', 'dashboard-actions.log') }, action, actor),
    reportFile: (id: string) => reportPath(o.stateDir, id),
  };
}
