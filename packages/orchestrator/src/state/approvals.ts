import { join } from 'node:path';
import { JournalWriter, parseDuration, readJournal } from '@pilot/core';
import { git } from '../git/git.ts';

/** One approval of a release for an environment: a record, not authentication (CI's environment protection is the real gate). */
export interface Approval {
  env: string;
  release: string;
  approver: string;
  role?: string;
  note?: string;
  ts: string;
}

export const approvalsPath = (state: string, env: string) => join(state, 'approvals', `${env}.jsonl`);

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

export interface ApprovalCheck {
  ok: boolean;
  valid: Approval[];
  missing: string[];
}

/** Counts unexpired approvals of `release` (one per approver, the newest) against the environment's requirement. */
export async function checkApprovals(state: string, env: string, release: string, required: { count: number; roles: string[]; expire: string | number }, now = Date.now()): Promise<ApprovalCheck> {
  const { entries } = await readJournal(approvalsPath(state, env));
  const ttl = parseDuration(required.expire, `environments.${env}.approvals.expire`);
  const byApprover = new Map<string, Approval>();
  for (const entry of entries as unknown as Approval[]) {
    if (entry.release !== release || now - Date.parse(entry.ts) > ttl) continue;
    byApprover.set(entry.approver, entry);
  }
  const valid = [...byApprover.values()];
  const missing: string[] = [];
  if (valid.length < required.count) missing.push(`${required.count - valid.length} more approval(s) (have ${valid.length} of ${required.count})`);
  for (const role of required.roles) if (!valid.some((a) => a.role === role)) missing.push(`an approval with role ${role}`);
  return { ok: missing.length === 0, valid, missing };
}
