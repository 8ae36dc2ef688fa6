import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '@pilot/core';
import { create } from 'tar';

/** Every path under `dir`, sorted, directories included: a reproducible archive needs a fixed order. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const entries = (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory() && !(await lstat(join(dir, rel))).isSymbolicLink()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

/** Writes a reproducible .tar.gz of `dir` (sorted entries, no owners or times) and returns its sha256: the release digest. */
export async function writeReleaseArchive(dir: string, file: string): Promise<string> {
  const paths = await walk(dir);
  await create({ file, cwd: dir, gzip: true, portable: true, noMtime: true, noDirRecurse: true, mtime: new Date(0) }, paths);
  return `sha256:${await sha256File(file)}`;
}
