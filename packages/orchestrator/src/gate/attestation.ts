import { attestationState } from '@pilot/attest/state';
import type { EnvContext, Logger } from '@pilot/core';
import { awaitAttestation, verifyPinnedAttestation } from '../wiring/attest.ts';
import type { Criterion } from './criteria.ts';

/**
 * The release's attestation, verified again (archive, files, signatures) against the pinned signer — never its recorded
 * state alone. `waitFor`: in a deployment, the background attestation of the release just built is waited for first.
 */
export async function attestationCriterion(
  ctx: EnvContext,
  version: string,
  waitFor?: { log: Logger; signal: AbortSignal },
): Promise<Criterion> {
  const name = 'attestation';
  if (waitFor) {
    const failed = await awaitAttestation(ctx, version, waitFor.log, waitFor.signal);
    if (failed) return { name, status: 'fail', detail: failed };
  } else {
    const state = await attestationState(ctx.root, version);
    const next =
      state.state === 'running'
        ? 'still being made: run the gate again when it ends'
        : `\`pnpm attest --release ${version}\``;
    if (state.state !== 'signed')
      return {
        name,
        status: 'fail',
        detail: `attestation of ${version}: ${state.state} — ${next}`,
        evidence: state.detail,
      };
  }
  const verified = await verifyPinnedAttestation(ctx, version);
  const { detail: signer } = await attestationState(ctx.root, version);
  if (verified.problems.length)
    return {
      name,
      status: 'fail',
      detail: `attestation of ${version} fails verification: ${verified.problems.join('; ')}`,
      evidence: verified.checked.join('; ') || signer,
    };
  return {
    name,
    status: 'pass',
    detail: `attestation of ${version} verified against the pinned signer (${signer})`,
    evidence: verified.checked.join('; '),
  };
}
