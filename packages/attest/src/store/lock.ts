import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Actor, InterruptedError, RefusedError, actorLiveness, createExclusive, currentActor } from '@pilot/core';

/** What the digest lock file holds: who attests which release. */
export interface DigestLockRecord extends Actor {
  version: string;
  digest: string;
}

/** `.pilot/attestations/.locks/<hex>.lock`: one attestation run per release digest. */
export function digestLockPath(attestationsRoot: string, digest: string): string {
  return join(attestationsRoot, '.locks', `${digest.replace(/^sha256:/, '')}.lock`);
}

/** Reads the lock; `live` is false when its process is gone (a stale lock). */
export async function readDigestLock(path: string): Promise<{ record: DigestLockRecord; live: boolean } | undefined> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as DigestLockRecord;
    return { record, live: actorLiveness(record) !== 'dead' };
  } catch {
    return undefined;
  }
}

/**
 * Takes the digest lock. While another live run holds it: waits (polling; `isDone` lets the caller stop once that
 * run has finished the work) or refuses. Returns 'done' when `isDone` says the work exists, else a release function.
 */
export async function acquireDigestLock(o: { path: string; version: string; digest: string; wait: boolean; isDone: () => Promise<boolean>; signal?: AbortSignal; pollMs?: number }): Promise<'done' | (() => Promise<void>)> {
  const record: DigestLockRecord = { ...currentActor(), version: o.version, digest: o.digest };
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError('interrupted while waiting for the attestation lock');
    if (await o.isDone()) return 'done';
    if (await createExclusive(o.path, JSON.stringify(record))) {
      // Re-check after winning: the previous holder may have finished between isDone() and taking the lock.
      if (await o.isDone()) {
        await rm(o.path, { force: true });
        return 'done';
      }
      return () => rm(o.path, { force: true });
    }
    const holder = await readDigestLock(o.path);
    // A lock left by a killed run is stale: break it and try again.
    if (holder && !holder.live) await breakStaleLock(o.path, holder.record);
    else if (holder && !o.wait) throw new RefusedError(`release ${holder.record.version} (${o.digest}) is being attested by pid ${holder.record.pid} (${holder.record.command}) — wait for it, or run again with --wait`);
    else await sleep(o.pollMs ?? 250, undefined, { signal: o.signal }).catch(() => undefined);
  }
}

// A breaker that died holding its turn leaves `.break` behind: after this long it no longer counts.
const BREAKER_EXPIRY_MS = 30_000;

/**
 * Removes a lock left by a dead run — unless it changed since it was read. Breakers take turns through
 * `<lock>.break`, so two waiters that both saw the same stale lock cannot both remove it (the second would remove
 * the lock the first had just taken).
 */
export async function breakStaleLock(path: string, stale: DigestLockRecord): Promise<void> {
  const turn = `${path}.break`;
  if (!(await createExclusive(turn, JSON.stringify(currentActor())))) {
    const since = await stat(turn).then((s) => s.mtimeMs, () => Date.now());
    if (Date.now() - since > BREAKER_EXPIRY_MS) await rm(turn, { force: true });
    return;
  }
  try {
    const now = await readDigestLock(path);
    if (now && !now.live && JSON.stringify(now.record) === JSON.stringify(stale)) await rm(path, { force: true });
  } finally {
    await rm(turn, { force: true });
  }
}
