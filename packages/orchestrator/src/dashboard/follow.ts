import { hostname, userInfo } from 'node:os';
import type { DeployRun } from '../engine/run.ts';
import { writeDeploymentReport } from './report.ts';

/**
 * For the monitoring page and the report: journals each analysis verdict with its evidence as it is logged, and once
 * the run ends (promoted, rolled back, aborted, paused) writes `.pilot/deployments/<id>/report.html`. A report that
 * cannot be written is a warning, never a reason to fail the deployment.
 */
export function followForReport(run: DeployRun): { end(): Promise<void> } {
  if (run.runner.dry) return { end: async () => {} };
  const pending: Promise<void>[] = [];
  const off = run.log.events.on((e) => {
    if (e.event !== 'analysis.verdict' || typeof e.decision !== 'string') return;
    pending.push(
      run.runner
        .journal('analysis.verdict', {
          step: run.runner.currentStep,
          decision: e.decision,
          reasons: Array.isArray(e.reasons) ? e.reasons : [],
        })
        .catch(() => {}),
    );
  });
  return {
    async end() {
      off();
      await Promise.all(pending);
      try {
        const file = await writeDeploymentReport({
          root: run.ctx.root,
          stateDir: run.ctx.paths.root,
          id: run.id,
          mask: run.log.redactor.text,
          who: `${userInfo().username}@${hostname()}`,
        });
        if (file) run.log.info('report.written', `report: ${file}`, { file });
      } catch (error) {
        run.log.warn(
          'report.failed',
          `could not write the deployment's report (${error instanceof Error ? error.message : error}) — \`pnpm pilot logs ${run.id} --html\` writes it again`,
        );
      }
    },
  };
}
