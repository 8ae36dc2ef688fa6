import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FailedError, UsageError } from '@pilot/core';
import { type EtagEntry, digestEntries, sha256Text } from './encode.ts';
import { hashFiles } from './hash-files.ts';
import { IgnoreRules } from './ignore-rules.ts';
import { type WalkResult, walk } from './walk.ts';

export interface ComputeEtagOptions {
  /** Root the record paths are relative to (default: process.cwd()). To tag a folder on its own, pass it here with paths ['.']. */
  cwd?: string;
  /** Extra ignore patterns, gitignore syntax, anchored at `cwd` (config `etag.ignore`). */
  ignore?: readonly string[];
  /** Obey .gitignore files in the tree and above it up to the git top (default true). */
  gitignore?: boolean;
  /** Worker threads for hashing (default: one per core; 0 = hash on this thread). */
  workers?: number;
  /** Also return every entry (path, type, exec, sha256, size), sorted: a release manifest. */
  manifest?: boolean;
}

export interface EtagResult {
  /** Strong RFC 9110 entity tag, `"sha256-<hex>"`. */
  etag: string;
  /** Files and symlinks in the tag. */
  files: number;
  /** Content bytes hashed. */
  bytes: number;
  /** Special files (sockets, FIFOs, devices) left out. */
  skipped: string[];
  entries?: EtagEntry[];
}

/** Computes the e-tag of files and folders: same content, names and modes → same tag on any machine. */
export async function computeEtag(paths: readonly string[], options: ComputeEtagOptions = {}): Promise<EtagResult> {
  const root = resolve(options.cwd ?? process.cwd());
  if (paths.length === 0)
    throw new UsageError('computeEtag: no paths given — pass at least one file or folder (e.g. ["."])');
  const gitignore = options.gitignore ?? true;
  const rules = new IgnoreRules();
  rules.addPatterns(options.ignore ?? []);
  if (gitignore) rules.addAncestorGitignores(root);
  const found: WalkResult = { entries: [], skipped: [] };
  for (const path of new Set(paths.map((p) => relativeTo(root, p)))) {
    if (gitignore) for (const dir of dirsAbove(path)) rules.loadGitignore(root, dir);
    walk(root, path, rules, gitignore, found);
  }
  // Overlapping arguments ('.' and 'src') must not count a file twice.
  const unique = [...new Map(found.entries.map((entry) => [entry.rel, entry])).values()];
  const files = unique.filter((entry) => entry.type === 'file');
  const hashes = await hashFiles(
    files.map((entry) => entry.abs),
    options.workers === undefined ? {} : { workers: options.workers },
  );
  const byPath = new Map(files.map((entry, index) => [entry.rel, hashes[index]]));
  let bytes = 0;
  const entries: EtagEntry[] = unique.map((entry) => {
    if (entry.type === 'symlink') {
      const target = entry.target ?? '';
      return { path: entry.rel, type: 'symlink', exec: false, sha256: sha256Text(target), size: 0, target };
    }
    const hash = byPath.get(entry.rel)!;
    if ('error' in hash)
      throw new FailedError(`cannot read ${entry.rel}: ${hash.error} — was it changed while the tag was computed?`);
    bytes += hash.size;
    return { path: entry.rel, type: 'file', exec: hash.exec, sha256: hash.sha256, size: hash.size };
  });
  const { etag, sorted } = digestEntries(entries);
  return {
    etag,
    files: entries.length,
    bytes,
    skipped: found.skipped.sort(),
    ...(options.manifest ? { entries: sorted } : {}),
  };
}

function relativeTo(root: string, path: string): string {
  const abs = resolve(root, path);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new UsageError(
      `computeEtag: path ${JSON.stringify(path)} is outside the root ${root} — tag paths inside it, or pass a cwd that contains them`,
    );
  }
  if (!existsSync(abs)) throw new UsageError(`computeEtag: path ${JSON.stringify(path)} does not exist under ${root}`);
  return rel.split(sep).join('/');
}

// The root and each folder between it and an explicit path: their .gitignore files apply to it.
function dirsAbove(rel: string): string[] {
  const parts = rel === '' ? [] : rel.split('/');
  return parts.map((_, index) => parts.slice(0, index).join('/'));
}
