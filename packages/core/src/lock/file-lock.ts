import { readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, RefusedError } from '../errors.ts';
import { createExclusive } from '../fs/atomic-write.ts';
import { type Actor, actorLiveness, currentActor } from './process-info.ts';

/** Reads a lock file held by a process; `live` is false when that process is gone (a stale lock). */
export async function readFileLock<R extends Actor>(path: string): Promise<{ record: R; live: boolean } | undefined> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as R;
    return { record, live: actorLiveness(record) !== 'dead' };
  } catch {
    return undefined;
  }
}

export interface FileLockOptions<R extends Actor> {
  path: string;
  /** What the lock file holds: the acting process, plus whatever names the work. */
  record: R;
  /** While another live process holds it: wait (polling) or refuse with `busy(holder)`. */
  wait: boolean;
  busy: (holder: R) => string;
  /** Lets a waiter stop once the holder has done the work itself. */
  isDone?: () => Promise<boolean>;
  /** Said once, when a live holder makes this process wait. */
  onWait?: (holder: R) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Takes a lock file for one process at a time. A lock left by a dead process is broken (one breaker at a time).
 * Returns 'done' when `isDone` says the work exists, else the function that releases the lock.
 */
export async function acquireFileLock<R extends Actor>(o: FileLockOptions<R>): Promise<'done' | (() => Promise<void>)> {
  const isDone = o.isDone ?? (async () => false);
  let waited = false;
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError(`interrupted while waiting for ${o.path}`);
    if (await isDone()) return 'done';
    if (await createExclusive(o.path, JSON.stringify(o.record))) {
      // Re-check after winning: the previous holder may have finished between isDone() and taking the lock.
      if (await isDone()) {
        await rm(o.path, { force: true });
        return 'done';
      }
      return () => rm(o.path, { force: true });
    }
    const holder = await readFileLock<R>(o.path);
    if (holder && !holder.live) await breakStaleLock(o.path, holder.record);
    else if (holder && !o.wait) throw new RefusedError(o.busy(holder.record));
    else {
      if (holder && !waited) o.onWait?.(holder.record);
      waited = true;
      await sleep(o.pollMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}

// A breaker that died holding its turn leaves `.break` behind: after this long it no longer counts.
const BREAKER_EXPIRY_MS = 30_000;

/**
 * Removes a lock left by a dead process — unless it changed since it was read. Breakers take turns through
 * `<lock>.break`, so two waiters that both saw the same stale lock cannot both remove it (the second would remove
 * the lock the first had just taken).
 */
export async function breakStaleLock(path: string, stale: Actor): Promise<void> {
  const turn = `${path}.break`;
  if (!(await createExclusive(turn, JSON.stringify(currentActor())))) {
    const since = await stat(turn).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - since > BREAKER_EXPIRY_MS) await rm(turn, { force: true });
    return;
  }
  try {
    const now = await readFileLock(path);
    if (now && !now.live && JSON.stringify(now.record) === JSON.stringify(stale)) await rm(path, { force: true });
  } finally {
    await rm(turn, { force: true });
  }
}
