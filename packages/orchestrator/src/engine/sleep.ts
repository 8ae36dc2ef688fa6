import { setTimeout as delay } from 'node:timers/promises';

/** Sleeps `ms`, or rejects as soon as the signal aborts (so SIGINT never waits out an analysis window). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await delay(ms, undefined, { signal });
}
