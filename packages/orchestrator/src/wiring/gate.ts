import type { DeployRun } from '../engine/run.ts';
import { GateRefusedError } from '../gate/refused.ts';
import { notifyOnce } from './notify.ts';

// The gate (policy-check, attestation, backups) loads only for an environment with `gate: true`.
const gateModule = () => import('../gate/gate.ts');

/**
 * The `gate` step: the Go/No-Go gate on the release this deployment built — its version and digest, which signed
 * approvals must name — before it is tagged or started. NO-GO throws a RefusedError (exit 3) naming the failing criteria.
 */
export async function gateBuiltRelease(run: DeployRun): Promise<void> {
  const { ctx, log, state } = run;
  const version = state.release!.version;
  const { assertGate } = await gateModule();
  try {
    // --force at preflight forced the deploy window there; the gate's window criterion follows the same decision.
    const gate = await assertGate({
      ctx,
      log,
      signal: run.signal,
      version,
      force: state.forced?.includes('deploy window'),
    });
    await run.runner.journal('gate.decided', { go: true, version, digest: state.release!.digest, report: gate.report });
    log.info('gate.go', `Go/No-Go gate: GO for ${version} on ${ctx.envName} — sign-off report ${gate.report}`, {
      report: gate.report,
    });
  } catch (error) {
    if (!(error instanceof GateRefusedError)) throw error;
    const failed = error.gate.criteria.filter((c) => c.status === 'fail').map((c) => c.name);
    await run.runner.journal('gate.decided', {
      go: false,
      version,
      digest: state.release!.digest,
      failed,
      report: error.gate.report,
    });
    if (failed.includes('approvals')) {
      const detail = error.gate.criteria.find((c) => c.name === 'approvals')?.detail;
      await notifyOnce(ctx, log, {
        event: 'approval.needed',
        version,
        previous: state.stable?.version,
        reason: detail,
        nextCommand: `pnpm pilot approve --env ${ctx.envName} --release ${version}`,
      });
    }
    throw error;
  }
}
