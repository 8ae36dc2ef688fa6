import { join } from 'node:path';
import { JournalWriter, readJournal } from '@pilot/core';

/** What an environment's history journal records: which release went live, and which became last-known-good. */
export interface HistoryEntry {
  /**
   * `release.withdrawn`: a failed first release was taken out, nothing serves. `release.rolled_back`: traffic was
   * taken away from this live release (`pnpm rollback`, or a failed post-promotion watch): it is no longer known good.
   */
  event: 'release.live' | 'release.lkg' | 'release.withdrawn' | 'release.rolled_back' | 'rollback.drill';
  version: string;
  commit?: string;
  deploymentId: string;
  ts: string;
  via?: 'deploy' | 'rollback' | 'resume';
}

export const historyPath = (state: string, env: string) => join(state, 'history', `${env}.jsonl`);

/** Appends to `.pilot/history/<env>.jsonl` (fsync'd): the per-environment record that rollback and upstream checks read. */
export async function recordHistory(
  state: string,
  env: string,
  event: HistoryEntry['event'],
  fields: Omit<HistoryEntry, 'event' | 'ts'>,
): Promise<void> {
  const journal = await JournalWriter.open(historyPath(state, env));
  await journal.append(event, { ...fields });
}

export async function readHistory(state: string, env: string): Promise<HistoryEntry[]> {
  const { entries } = await readJournal(historyPath(state, env));
  return entries as unknown as HistoryEntry[];
}

/** The release serving the environment according to the journal (the last one that went live, unless withdrawn since). */
export function currentLive(history: HistoryEntry[]): HistoryEntry | undefined {
  const last = history.filter((entry) => entry.event === 'release.live' || entry.event === 'release.withdrawn').at(-1);
  return last?.event === 'release.live' ? last : undefined;
}

/**
 * The newest last-known-good release other than `except` (with `except` the live one: where `pnpm rollback` goes).
 * A release is known good from its deployment's end (`release.lkg`) until traffic is rolled back away from it.
 */
export function lastKnownGood(history: HistoryEntry[], except?: string): HistoryEntry | undefined {
  const good = new Map<string, HistoryEntry>();
  for (const entry of history) {
    if (entry.event === 'release.lkg') {
      // Re-inserted so the map's order is the order releases last became good.
      good.delete(entry.version);
      good.set(entry.version, entry);
    } else if (entry.event === 'release.rolled_back') good.delete(entry.version);
  }
  return [...good.values()].filter((entry) => entry.version !== except).at(-1);
}

/** True when `version` completed a deployment (was marked last-known-good) in this environment. */
export function wasPromoted(history: HistoryEntry[], version: string): boolean {
  return history.some((entry) => entry.event === 'release.lkg' && entry.version === version);
}
