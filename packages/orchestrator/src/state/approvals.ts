import { join } from 'node:path';
import { type EnvContext, JournalWriter, parseDuration, readJournal } from '@pilot/core';
import { parseStatement } from '../approvals/statement.ts';
import { readSignerRoles, verifyText } from '../approvals/ssh-signature.ts';
import { readManifest, readPrunedManifest } from '../release/manifest.ts';
import { git } from '../git/git.ts';

/**
 * One approval of a release for an environment. Unsigned, it is a record, not authentication; signed (`statement` +
 * `signature`, `ssh-keygen -Y sign -n pilot-approval`), it counts only when policies/allowed_signers vouches for it.
 */
export interface Approval {
  env: string;
  release: string;
  approver: string;
  role?: string;
  note?: string;
  statement?: string;
  signature?: string;
  ts: string;
}

export const approvalsPath = (state: string, env: string) => join(state, 'approvals', `${env}.jsonl`);

/** The committed list of approvers' SSH keys (git's allowed_signers format, `roles=a,b` ending each line). */
export const allowedSignersPath = (root: string) => join(root, 'policies', 'allowed_signers');

export async function recordApproval(state: string, approval: Omit<Approval, 'ts'>): Promise<Approval> {
  const journal = await JournalWriter.open(approvalsPath(state, approval.env));
  const entry = await journal.append('approval.given', { ...approval });
  return { ...approval, ts: entry.ts };
}

/** Who approves when `--as` is not given: git's user.name <user.email>. */
export async function defaultApprover(root: string): Promise<string | undefined> {
  const name = await git(root, ['config', 'user.name'], { reject: false });
  const email = await git(root, ['config', 'user.email'], { reject: false });
  if (!name && !email) return undefined;
  return email ? `${name || email} <${email}>` : name;
}

/** An approval as checked: whether it counts, signed or not, by whom (the verified principal), or why not. */
export interface ApprovalVerdict {
  approval: Approval;
  counts: boolean;
  signed: boolean;
  signer?: string;
  reason?: string;
}

export interface ApprovalCheck {
  ok: boolean;
  /** The approvals that count, one per approver (the newest). */
  valid: Approval[];
  /** Every approval of the release looked at, with its verdict (for reports). */
  verdicts: ApprovalVerdict[];
  missing: string[];
}

export interface ApprovalRequirement {
  count: number;
  roles: string[];
  expire: string | number;
  signatures?: boolean;
}

/** What signatures are checked against: the service, the release's digest (undefined: not built here) and allowed_signers. */
export interface SignatureContext {
  service: string;
  digest?: string;
  allowedSigners: string;
}

export function signatureContext(ctx: EnvContext, digest: string | undefined): SignatureContext {
  return { service: ctx.config.service.name, digest, allowedSigners: allowedSignersPath(ctx.root) };
}

/** The digest of a release built here (or pruned since, from its kept manifest): what a signed approval names. */
export async function releaseDigest(ctx: EnvContext, version: string): Promise<string | undefined> {
  const manifest =
    (await readManifest(join(ctx.paths.releases, version))) ?? (await readPrunedManifest(ctx.paths.releases, version));
  return manifest?.digest;
}

/** Checks one signed approval: statement in canonical form, for exactly this release, unexpired, signed by a listed key with the role. */
export async function verifySignedApproval(
  a: Approval,
  env: string,
  release: string,
  sig: SignatureContext,
  now: number,
): Promise<ApprovalVerdict> {
  const refuse = (reason: string): ApprovalVerdict => ({ approval: a, counts: false, signed: true, reason });
  const st = parseStatement(a.statement ?? '');
  if (!st) return refuse('its statement is not in canonical form (altered after signing)');
  if (st.version !== release || st.env !== env || st.service !== sig.service)
    return refuse(
      `it was signed for ${st.service} ${st.version} on ${st.env}, not ${sig.service} ${release} on ${env}`,
    );
  if (!sig.digest) return refuse(`release ${release} is not built here, so its digest cannot be matched`);
  if (st.digest !== sig.digest)
    return refuse(`it was signed for release digest ${st.digest}, but ${release} has digest ${sig.digest}`);
  if ((a.role ?? '') !== st.role || a.approver !== st.approver)
    return refuse('its record does not match its signed statement (altered after signing)');
  if (!(Date.parse(st.expires) > now)) return refuse(`it expired at ${st.expires}`);
  const verified = await verifyText(a.statement!, a.signature!, sig.allowedSigners);
  if (!verified.ok) return refuse(verified.reason);
  if (!verified.principals.includes(st.approver))
    return refuse(`it was signed by ${verified.principals.join(', ')}, not by ${st.approver} as it claims`);
  if (st.role) {
    const held = (await readSignerRoles(sig.allowedSigners)).get(st.approver) ?? [];
    if (!held.includes(st.role))
      return refuse(
        `${st.approver} does not hold role ${st.role} in policies/allowed_signers (holds: ${held.join(', ') || 'none'})`,
      );
  }
  return { approval: a, counts: true, signed: true, signer: st.approver };
}

/**
 * Counts unexpired approvals of `release` (one per approver, the newest that counts) against the environment's
 * requirement. Signed approvals are verified (`sig`); unsigned ones count only where signatures are not required.
 */
export async function checkApprovals(
  state: string,
  env: string,
  release: string,
  required: ApprovalRequirement,
  now = Date.now(),
  sig?: SignatureContext,
): Promise<ApprovalCheck> {
  const { entries } = await readJournal(approvalsPath(state, env));
  const ttl = parseDuration(required.expire, `environments.${env}.approvals.expire`);
  const verdicts: ApprovalVerdict[] = [];
  for (const entry of entries as unknown as Approval[]) {
    if (entry.release !== release) continue;
    if (entry.signature) {
      verdicts.push(
        sig
          ? await verifySignedApproval(entry, env, release, sig, now)
          : { approval: entry, counts: false, signed: true, reason: 'signature not checked' },
      );
    } else if (now - Date.parse(entry.ts) > ttl) {
      // An unsigned approval past approvals.expire is simply over.
    } else if (required.signatures) {
      verdicts.push({
        approval: entry,
        counts: false,
        signed: false,
        reason: `unsigned — ${env} requires approvals signed with a key in policies/allowed_signers (\`pnpm pilot approve --key …\`)`,
      });
    } else {
      verdicts.push({ approval: entry, counts: true, signed: false });
    }
  }
  const byApprover = new Map<string, Approval>();
  for (const v of verdicts) if (v.counts) byApprover.set(v.signer ?? v.approval.approver, v.approval);
  const valid = [...byApprover.values()];
  const missing: string[] = [];
  if (valid.length < required.count)
    missing.push(`${required.count - valid.length} more approval(s) (have ${valid.length} of ${required.count})`);
  for (const role of required.roles)
    if (!valid.some((a) => a.role === role)) missing.push(`an approval with role ${role}`);
  const refused = verdicts.filter((v) => !v.counts && v.reason);
  if (missing.length && refused.length)
    missing.push(`(not counted: ${refused.map((v) => `${v.approval.approver}: ${v.reason}`).join('; ')})`);
  return { ok: missing.length === 0, valid, verdicts, missing };
}
