import { join } from 'node:path';
import { type Actor, acquireFileLock, currentActor, readFileLock } from '@pilot/core';

export { breakStaleLock } from '@pilot/core';

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
export const readDigestLock = (path: string) => readFileLock<DigestLockRecord>(path);

/**
 * Takes the digest lock. While another live run holds it: waits (polling; `isDone` lets the caller stop once that
 * run has finished the work) or refuses. Returns 'done' when `isDone` says the work exists, else a release function.
 */
export function acquireDigestLock(o: {
  path: string;
  version: string;
  digest: string;
  wait: boolean;
  isDone: () => Promise<boolean>;
  signal?: AbortSignal;
  pollMs?: number;
}): Promise<'done' | (() => Promise<void>)> {
  return acquireFileLock<DigestLockRecord>({
    ...o,
    record: { ...currentActor(), version: o.version, digest: o.digest },
    busy: (holder) =>
      `release ${holder.version} (${o.digest}) is being attested by pid ${holder.pid} (${holder.command}) — wait for it, or run again with --wait`,
  });
}
