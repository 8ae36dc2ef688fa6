import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IgnoreRules } from './ignore-rules.ts';

/** What the walk found before any content is read. */
export interface WalkEntry {
  rel: string;
  abs: string;
  type: 'file' | 'symlink';
  target?: string;
}

export interface WalkResult {
  entries: WalkEntry[];
  /** Sockets, FIFOs and devices: never read (a FIFO would block), listed so the caller can say so. */
  skipped: string[];
}

/**
 * Lists files and symlinks under `rel` (a file, a symlink or a folder), obeying ignore rules and
 * .gitignore files met on the way. Symlinks are never followed. `.git` is always skipped.
 */
export function walk(root: string, rel: string, rules: IgnoreRules, gitignore: boolean, out: WalkResult): void {
  const abs = rel === '' ? root : join(root, rel);
  // The root itself is followed (a `current` symlink to a release folder tags the folder); links inside are not.
  const stat = rel === '' ? statSync(abs) : lstatSync(abs);
  if (stat.isSymbolicLink()) out.entries.push({ rel, abs, type: 'symlink', target: readlinkSync(abs) });
  else if (stat.isFile()) out.entries.push({ rel, abs, type: 'file' });
  else if (stat.isDirectory()) walkDir(root, rel, rules, gitignore, out);
  else out.skipped.push(rel);
}

function walkDir(root: string, dir: string, rules: IgnoreRules, gitignore: boolean, out: WalkResult): void {
  const absDir = dir === '' ? root : join(root, dir);
  const dirents = readdirSync(absDir, { withFileTypes: true });
  if (gitignore && dirents.some((d) => d.name === '.gitignore' && d.isFile())) rules.loadGitignore(root, dir);
  for (const dirent of dirents) {
    if (dirent.name === '.git') continue;
    const rel = dir === '' ? dirent.name : `${dir}/${dirent.name}`;
    const isDir = dirent.isDirectory();
    if (rules.ignores(rel, isDir)) continue;
    const abs = join(absDir, dirent.name);
    if (isDir) walkDir(root, rel, rules, gitignore, out);
    else if (dirent.isSymbolicLink()) out.entries.push({ rel, abs, type: 'symlink', target: readlinkSync(abs) });
    else if (dirent.isFile()) out.entries.push({ rel, abs, type: 'file' });
    else out.skipped.push(rel);
  }
}
