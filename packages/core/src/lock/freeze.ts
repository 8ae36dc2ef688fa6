import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RefusedError } from '../errors.ts';
import { fsyncDir, writeFileAtomic } from '../fs/atomic-write.ts';
import { JournalWriter } from '../journal/journal.ts';
import type { LockOptions } from './lock.ts';
import { type Actor, currentActor } from './process-info.ts';

/** A deployment freeze on one environment: an operator's hold that keeps every new deployment out until released. */
export interface FreezeRecord {
  env: string;
  reason: string;
  since: string;
  by: Actor;
}

/** The freeze file sits next to the environment's lock: `locks/<env>.freeze.json`. */
export function freezePath(lockPath: string): string {
  return `${lockPath.replace(/\.lock$/, '')}.freeze.json`;
}

export async function readFreeze(options: LockOptions): Promise<FreezeRecord | undefined> {
  try {
    return JSON.parse(await readFile(freezePath(options.path), 'utf8')) as FreezeRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** "frozen by alice@host since …: reason" — for refusals and status. */
export function describeFreeze(freeze: FreezeRecord): string {
  return `environment ${freeze.env} is frozen by ${freeze.by.user}@${freeze.by.host} since ${freeze.since}: ${freeze.reason} — \`pnpm pilot lock release --env ${freeze.env}\` lifts the freeze`;
}

/** Refuses (exit 3) while the environment is frozen. */
export async function assertNotFrozen(options: LockOptions): Promise<void> {
  const freeze = await readFreeze(options);
  if (freeze) throw new RefusedError(describeFreeze(freeze));
}

/** Freezes the environment (audited). A second hold replaces the reason, keeping the record of both in the audit log. */
export async function holdFreeze(
  options: LockOptions,
  env: string,
  reason: string,
  actor: Actor = currentActor(),
): Promise<FreezeRecord> {
  const record: FreezeRecord = { env, reason, since: new Date().toISOString(), by: actor };
  const audit = await JournalWriter.open(options.auditPath);
  await audit.append('lock.freeze_held', { env, reason, by: actor, previous: (await readFreeze(options)) ?? null });
  await writeFileAtomic(freezePath(options.path), JSON.stringify(record, null, 2));
  return record;
}

/** Lifts the freeze (audited); undefined when there was none. */
export async function releaseFreeze(
  options: LockOptions,
  reason: string,
  actor: Actor = currentActor(),
): Promise<FreezeRecord | undefined> {
  const previous = await readFreeze(options);
  if (!previous) return undefined;
  const audit = await JournalWriter.open(options.auditPath);
  await audit.append('lock.freeze_released', { env: previous.env, previous, by: actor, reason });
  await rm(freezePath(options.path), { force: true });
  await fsyncDir(dirname(options.path));
  return previous;
}
