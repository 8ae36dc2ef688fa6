import { type EnvContext, UsageError } from '@pilot/core';
import { type Approval, checkApprovals, defaultApprover, recordApproval } from '../state/approvals.ts';
import { assertVersion } from '../release/version.ts';

export interface ApproveOptions {
  ctx: EnvContext;
  release: string;
  as?: string;
  role?: string;
  note?: string;
}

/** `pilot approve`: records one approval of a release for an environment (a record, not authentication). */
export async function approveRelease(o: ApproveOptions): Promise<{ approval: Approval; satisfied: boolean; missing: string[] }> {
  assertVersion(o.release, '--release');
  const approver = o.as ?? (await defaultApprover(o.ctx.root));
  if (!approver) throw new UsageError('pilot approve: no approver — pass --as NAME or set git config user.name/user.email');
  const { roles } = o.ctx.env.approvals;
  if (o.role && roles.length && !roles.includes(o.role)) throw new UsageError(`--role ${JSON.stringify(o.role)} is not required by ${o.ctx.envName} — it requires: ${roles.join(', ')}`);
  const approval = await recordApproval(o.ctx.paths.root, { env: o.ctx.envName, release: o.release, approver, ...(o.role ? { role: o.role } : {}), ...(o.note ? { note: o.note } : {}) });
  const check = await checkApprovals(o.ctx.paths.root, o.ctx.envName, o.release, o.ctx.env.approvals);
  return { approval, satisfied: check.ok, missing: check.missing };
}
