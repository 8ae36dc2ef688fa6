import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { UsageError } from '@pilot/core';
import { computeEtag } from '../compute-etag.ts';
import { type BaseLedger, readBaseLedger } from './git-base.ts';
import { LEDGER_FILE, type Ledger, type LedgerEntry, readLedger, writeLedger } from './ledger-file.ts';

export interface LedgerOptions {
  /** Repository root: holds etags.json; folders are relative to it. */
  root: string;
  /** Tracked folders (config `etag.folders`). */
  folders: readonly string[];
  /** Ignore patterns (config `etag.ignore`). */
  ignore?: readonly string[];
  /** Base branch ref to compare with; default origin/main, else main. */
  base?: string;
  workers?: number;
}

/** A tracked folder's tag now, beside what the ledger and the base branch say. */
export interface FolderTag {
  folder: string;
  etag: string;
  files: number;
  bytes: number;
  recorded?: LedgerEntry;
  base?: LedgerEntry;
}

export type LedgerProblemKind = 'not-recorded' | 'stale' | 'not-tracked' | 'seq-backwards' | 'seq-not-bumped';
export interface LedgerProblem {
  folder: string;
  kind: LedgerProblemKind;
  message: string;
}

export interface RecordResult {
  file: string;
  base: BaseLedger;
  changes: {
    folder: string;
    status: 'new' | 'changed' | 'unchanged' | 'removed';
    from?: LedgerEntry;
    to?: LedgerEntry;
  }[];
}

export interface CheckResult {
  file: string;
  base: BaseLedger;
  folders: FolderTag[];
  problems: LedgerProblem[];
}

/** Computes each tracked folder's tag; a folder outside the root or missing is a UsageError naming etag.folders[i]. */
export async function tagFolders(
  options: LedgerOptions,
): Promise<{ folder: string; etag: string; files: number; bytes: number }[]> {
  const folders = options.folders.map((folder, index) => normaliseFolder(options.root, folder, index));
  const tags = [];
  for (const folder of folders) {
    const { etag, files, bytes } = await computeEtag(['.'], {
      cwd: join(options.root, folder),
      ignore: options.ignore ?? [],
      ...(options.workers === undefined ? {} : { workers: options.workers }),
    });
    tags.push({ folder, etag, files, bytes });
  }
  return tags;
}

/** `generate-etag --record`: bumps seq for every folder whose tag changed (above the base branch's seq too), drops untracked ones. */
export async function recordEtags(options: LedgerOptions): Promise<RecordResult> {
  const file = join(options.root, LEDGER_FILE);
  const ledger = readLedger(file);
  const base = await readBaseLedger(options.root, options.base);
  const baseLedger = 'ledger' in base ? base.ledger : {};
  const tags = await tagFolders(options);
  const next: Ledger = {};
  const changes: RecordResult['changes'] = [];
  for (const { folder, etag } of tags) {
    const from = ledger[folder];
    const onBase = baseLedger[folder];
    const behindBase = onBase !== undefined && onBase.etag !== etag && (from?.seq ?? 0) <= onBase.seq;
    if (from && from.etag === etag && !behindBase) {
      next[folder] = from;
      changes.push({ folder, status: 'unchanged', from, to: from });
      continue;
    }
    // Above both the local and the base seq, so a branch never reuses a number main already has.
    const to = { seq: Math.max(from?.seq ?? 0, onBase?.seq ?? 0) + 1, etag };
    next[folder] = to;
    changes.push({ folder, status: from ? 'changed' : 'new', ...(from ? { from } : {}), to });
  }
  for (const folder of Object.keys(ledger)) {
    if (!(folder in next)) changes.push({ folder, status: 'removed', from: ledger[folder] });
  }
  await writeLedger(file, next);
  return { file, base, changes };
}

/** `generate-etag --check`: the ledger matches the content, and against the base branch no seq went back or stayed put on a change. */
export async function checkEtags(options: LedgerOptions): Promise<CheckResult> {
  const file = join(options.root, LEDGER_FILE);
  const ledger = readLedger(file);
  const base = await readBaseLedger(options.root, options.base);
  const baseLedger = 'ledger' in base ? base.ledger : {};
  const tags = await tagFolders(options);
  const problems: LedgerProblem[] = [];
  const folders: FolderTag[] = tags.map((tag) => ({
    ...tag,
    ...(ledger[tag.folder] ? { recorded: ledger[tag.folder] } : {}),
    ...(baseLedger[tag.folder] ? { base: baseLedger[tag.folder] } : {}),
  }));
  const fix = `run \`pnpm generate-etag --record\` and commit ${LEDGER_FILE}`;
  for (const { folder, etag, recorded, base: onBase } of folders) {
    if (!recorded) {
      problems.push({
        folder,
        kind: 'not-recorded',
        message: `${folder} is tracked but has no entry in ${LEDGER_FILE} — ${fix}`,
      });
      continue;
    }
    if (recorded.etag !== etag) {
      problems.push({
        folder,
        kind: 'stale',
        message: `${folder} changed (now ${etag}) but ${LEDGER_FILE} still has seq ${recorded.seq} for ${recorded.etag} — ${fix}`,
      });
    }
    if (!onBase || !('ref' in base)) continue;
    if (recorded.seq < onBase.seq) {
      problems.push({
        folder,
        kind: 'seq-backwards',
        message: `${folder}: seq ${recorded.seq} is below ${onBase.seq} on ${base.ref} — merge or rebase on ${base.ref}, then ${fix}`,
      });
    } else if (recorded.etag !== onBase.etag && recorded.seq === onBase.seq) {
      problems.push({
        folder,
        kind: 'seq-not-bumped',
        message: `${folder}: content differs from ${base.ref} but seq is still ${recorded.seq} — ${fix}`,
      });
    }
  }
  const tracked = new Set(folders.map((tag) => tag.folder));
  for (const folder of Object.keys(ledger)) {
    if (!tracked.has(folder))
      problems.push({
        folder,
        kind: 'not-tracked',
        message: `${folder} is in ${LEDGER_FILE} but not in config etag.folders — ${fix} to drop it`,
      });
  }
  return { file, base, folders, problems };
}

function normaliseFolder(root: string, folder: string, index: number): string {
  const abs = resolve(root, folder);
  const rel = relative(root, abs);
  const where = `etag.folders[${index}] ${JSON.stringify(folder)}`;
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new UsageError(`${where}: expected a folder inside the repository root ${root} (not the root itself)`);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new UsageError(`${where}: no such folder under ${root} — fix pilot.config.ts`);
  return normalize(rel).split(sep).join('/');
}
