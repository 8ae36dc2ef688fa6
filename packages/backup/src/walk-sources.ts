import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from '@pilot/core';
import type { TarEntry } from './tar/header.ts';

export interface Source extends TarEntry {
  abs: string;
}

// A folder being walked: its children's sort keys (a folder child twice: `name` for its own entry, `name/` for its
// contents) and which of them are folders. Strings only, ≈100 B a child, dropped when the folder is done.
interface Frame {
  abs: string;
  rel: string;
  keys: string[];
  folders: Set<string>;
  next: number;
}

/**
 * Every file, folder and symlink under the sources, relative to `root`, in the order of their path bytes (the
 * archive's order), produced one at a time: only the folders on the current path are held, not the whole tree.
 * A folder's own entry sorts at `name` and its contents at `name/` (between them may come `name-x`, `name.y`), so
 * siblings are ordered by those keys. Overlapping sources are merged; `onSkipped` hears of sockets, FIFOs, devices.
 * Blocking calls: through the thread pool each of thousands of tiny calls costs a round trip (1.2 s → 0.3 s for 20k).
 */
export function walkSources(
  root: string,
  paths: string[],
  exclude: string[] = [],
  onSkipped?: (path: string) => void,
): Iterable<Source> {
  const excluded = exclude.map((p) => resolve(p));
  // Checked before anything is written: a wrong argument fails at once.
  const starts = [...new Set(paths)].map((path) => {
    const abs = resolve(root, path);
    if (!lstatSync(abs, { throwIfNoEntry: false }))
      throw new UsageError(`backup source ${JSON.stringify(path)} does not exist (looked at ${abs})`);
    const rel = relative(root, abs).split(sep).join('/');
    if (rel.startsWith('..'))
      throw new UsageError(`backup source ${abs} is outside ${root} — give paths inside the repository`);
    return { abs, rel };
  });
  const streams = starts.map(({ abs, rel }) => walkOne(abs, rel, excluded, onSkipped));
  return streams.length === 1 ? streams[0] : merge(streams);
}

function* merge(streams: Generator<Source>[]): Generator<Source> {
  // Several sources: merge their sorted streams, once per path ('.' and 'src' both hold src/a).
  const heads = streams.map((stream) => ({ stream, entry: stream.next().value as Source | undefined }));
  for (;;) {
    let least: Source | undefined;
    for (const { entry } of heads) if (entry && (!least || compareUtf8(entry.path, least.path) < 0)) least = entry;
    if (!least) return;
    yield least;
    const path = least.path;
    for (const head of heads)
      if (head.entry?.path === path) head.entry = head.stream.next().value as Source | undefined;
  }
}

function* walkOne(abs: string, rel: string, excluded: string[], onSkipped?: (path: string) => void): Generator<Source> {
  if (excluded.some((e) => abs === e || isInside(abs, e))) return;
  const stat = lstatSync(abs);
  if (!stat.isDirectory()) {
    const entry = leaf(abs, rel);
    if (entry) yield entry;
    else onSkipped?.(rel);
    return;
  }
  if (rel) yield { abs, path: rel, type: 'directory', mode: 0o755, size: 0 };
  const stack: Frame[] = [open(abs, rel, excluded)];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.next === frame.keys.length) {
      stack.pop();
      continue;
    }
    const key = frame.keys[frame.next++];
    const subtree = key.endsWith('/');
    const name = subtree ? key.slice(0, -1) : key;
    const childAbs = join(frame.abs, name);
    const childRel = frame.rel ? `${frame.rel}/${name}` : name;
    if (subtree) stack.push(open(childAbs, childRel, excluded));
    else if (frame.folders.has(name)) yield { abs: childAbs, path: childRel, type: 'directory', mode: 0o755, size: 0 };
    else {
      const entry = leaf(childAbs, childRel);
      if (entry) yield entry;
      else onSkipped?.(childRel);
    }
  }
}

/** A folder's children as sorted keys. Their number is the folder's width: what this walk holds per level. */
function open(abs: string, rel: string, excluded: string[]): Frame {
  const keys: string[] = [];
  const folders = new Set<string>();
  // Usually nothing excluded is in here (the backup folder is elsewhere): then no child path is even built.
  const here = excluded.filter((e) => isInside(e, abs));
  for (const dirent of readdirSync(abs, { withFileTypes: true })) {
    if (here.length && here.includes(join(abs, dirent.name))) continue;
    keys.push(dirent.name);
    if (dirent.isDirectory()) {
      folders.add(dirent.name);
      keys.push(`${dirent.name}/`);
    }
  }
  keys.sort(compareUtf8);
  return { abs, rel, keys, folders, next: 0 };
}

function isInside(path: string, folder: string): boolean {
  return path !== folder && path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * Orders strings by their UTF-8 bytes (code points) without encoding them: UTF-16 order differs only where a surrogate
 * (U+D800–DFFF, a code point ≥ U+10000) meets a unit in U+E000–FFFF, so those two ranges swap places.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 || y < 0xd800 ? x - y : codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit + 0x2000;
}

/** A file or symlink as it is now (stat'ed when its turn comes, just before it is read); undefined for a special file. */
function leaf(abs: string, rel: string): Source | undefined {
  const stat = lstatSync(abs);
  if (stat.isSymbolicLink())
    return { abs, path: rel, type: 'symlink', mode: 0o777, size: 0, linkname: readlinkSync(abs) };
  if (stat.isFile()) return { abs, path: rel, type: 'file', mode: stat.mode & 0o100 ? 0o755 : 0o644, size: stat.size };
  if (stat.isDirectory())
    throw new Error(`${abs} became a folder while it was being backed up — retry when it is not being changed`);
  return undefined;
}
