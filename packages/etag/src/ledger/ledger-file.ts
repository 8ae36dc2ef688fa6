import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pilot/core';
import { UsageError } from '@pilot/core';
import { isEtag } from '../encode.ts';

/** One tracked folder's entry: its current tag and a sequence number that only goes up when the tag changes. */
export interface LedgerEntry {
  seq: number;
  etag: string;
}
/** `etags.json`: folder (POSIX, relative to the repository root) → entry. */
export type Ledger = Record<string, LedgerEntry>;

export const LEDGER_FILE = 'etags.json';

/** Parses and validates a ledger's text; `where` names it in errors (a path or `REF:etags.json`). */
export function parseLedger(text: string, where: string): Ledger {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${where}: not valid JSON (${(error as Error).message}) — fix it or re-create it with \`pnpm generate-etag --record\``,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(
      `${where}: expected an object {folder: {seq, etag}} — re-create it with \`pnpm generate-etag --record\``,
    );
  }
  const ledger: Ledger = {};
  for (const [folder, entry] of Object.entries(data as Record<string, unknown>)) {
    const { seq, etag } = (entry ?? {}) as Partial<LedgerEntry>;
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) {
      throw new UsageError(`${where}: ${folder}.seq is ${JSON.stringify(seq)} — expected an integer ≥ 1`);
    }
    if (!isEtag(etag))
      throw new UsageError(`${where}: ${folder}.etag is ${JSON.stringify(etag)} — expected "\\"sha256-<64 hex>\\""`);
    ledger[folder] = { seq: seq as number, etag };
  }
  return ledger;
}

/** Reads the ledger, or an empty one when the file does not exist yet. */
export function readLedger(file: string): Ledger {
  return existsSync(file) ? parseLedger(readFileSync(file, 'utf8'), file) : {};
}

/** Serialises with sorted keys so the committed file diffs cleanly. */
export function formatLedger(ledger: Ledger): string {
  const sorted = Object.fromEntries(
    Object.keys(ledger)
      .sort()
      .map((key) => [key, { seq: ledger[key].seq, etag: ledger[key].etag }]),
  );
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

export async function writeLedger(file: string, ledger: Ledger): Promise<void> {
  await writeFileAtomic(file, formatLedger(ledger));
}
