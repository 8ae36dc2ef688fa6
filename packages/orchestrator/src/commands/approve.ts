import { type EnvContext, RefusedError, UsageError, parseDuration } from '@pilot/core';
import { formatStatement } from '../approvals/statement.ts';
import { signText, verifyText } from '../approvals/ssh-signature.ts';
import { assertVersion } from '../release/version.ts';
import {
  type Approval,
  type ApprovalVerdict,
  allowedSignersPath,
  checkApprovals,
  defaultApprover,
  recordApproval,
  releaseDigest,
  signatureContext,
  verifySignedApproval,
} from '../state/approvals.ts';

export interface ApproveOptions {
  ctx: EnvContext;
  release: string;
  as?: string;
  role?: string;
  note?: string;
  /** Sign with this SSH key (private key file; a public key file or none: through the ssh-agent). */
  key?: string;
  /** Sign even without --key (through the ssh-agent); implied where the environment requires signatures. */
  sign?: boolean;
  /** How long a signed approval stays valid (default: the environment's approvals.expire). */
  expires?: string;
  now?: Date;
}

/**
 * `pilot approve`: records one approval of a release for an environment. Signed, it is checked before it is recorded
 * (for exactly this release digest, by a key in policies/allowed_signers holding the role): a signature that would
 * not count is refused, nothing written.
 */
export async function approveRelease(
  o: ApproveOptions,
): Promise<{ approval: Approval; satisfied: boolean; missing: string[]; verdict?: ApprovalVerdict }> {
  assertVersion(o.release, '--release');
  const required = o.ctx.env.approvals;
  const { roles } = required;
  if (o.role && roles.length && !roles.includes(o.role))
    throw new UsageError(
      `--role ${JSON.stringify(o.role)} is not required by ${o.ctx.envName} — it requires: ${roles.join(', ')}`,
    );
  const sign = Boolean(o.key || o.sign || required.signatures);
  const now = o.now ?? new Date();
  let approval: Omit<Approval, 'ts'>;
  let verdict: ApprovalVerdict | undefined;
  if (sign) {
    const digest = await releaseDigest(o.ctx, o.release);
    if (!digest)
      throw new UsageError(
        `--release ${o.release}: not built here (${o.ctx.paths.releases}/${o.release}), so there is no digest to sign — deploy it upstream first, or pick a built release`,
      );
    const ttl = parseDuration(
      o.expires ?? required.expire,
      o.expires ? '--expires' : `environments.${o.ctx.envName}.approvals.expire`,
    );
    const base = {
      service: o.ctx.config.service.name,
      env: o.ctx.envName,
      version: o.release,
      digest,
      role: o.role ?? '',
      time: now.toISOString(),
      expires: new Date(now.getTime() + ttl).toISOString(),
    };
    const signers = allowedSignersPath(o.ctx.root);
    // Who the key is, by policies/allowed_signers: a first signature over the statement without an approver asks.
    const probe = await signText(formatStatement({ ...base, approver: '?' }), { key: o.key });
    const known = await verifyText(formatStatement({ ...base, approver: '?' }), probe, signers);
    if (!known.ok)
      throw new RefusedError(
        `pilot approve: your key is not in policies/allowed_signers, so its approval would not count — add its public key line there (with roles=${o.role ?? '…'}) in a reviewed commit`,
      );
    if (o.as && !known.principals.includes(o.as))
      throw new RefusedError(
        `--as ${o.as}: the key is listed in policies/allowed_signers for ${known.principals.join(', ')}, not ${o.as}`,
      );
    const approver = o.as ?? known.principals[0];
    const statement = formatStatement({ ...base, approver });
    const signature = await signText(statement, { key: o.key });
    approval = { ...unsignedApproval(o, approver), statement, signature };
    verdict = await verifySignedApproval(
      { ...approval, ts: now.toISOString() },
      o.ctx.envName,
      o.release,
      signatureContext(o.ctx, digest),
      now.getTime(),
    );
    if (!verdict.counts) throw new RefusedError(`pilot approve: this approval would not count — ${verdict.reason}`);
  } else {
    const approver = o.as ?? (await defaultApprover(o.ctx.root));
    if (!approver)
      throw new UsageError('pilot approve: no approver — pass --as NAME or set git config user.name/user.email');
    approval = unsignedApproval(o, approver);
  }
  const recorded = await recordApproval(o.ctx.paths.root, approval);
  const check = await checkApprovals(
    o.ctx.paths.root,
    o.ctx.envName,
    o.release,
    required,
    Date.now(),
    signatureContext(o.ctx, await releaseDigest(o.ctx, o.release)),
  );
  return { approval: recorded, satisfied: check.ok, missing: check.missing, verdict };
}

/** The fields every approval records; a signed one adds its statement and signature. */
function unsignedApproval(o: ApproveOptions, approver: string): Omit<Approval, 'ts'> {
  return {
    env: o.ctx.envName,
    release: o.release,
    approver,
    ...(o.role ? { role: o.role } : {}),
    ...(o.note ? { note: o.note } : {}),
  };
}
