import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256File } from '@pilot/core';
import { create } from 'tar';

/** Every path under `dir`, sorted, directories included, with its lstat: a reproducible archive needs a fixed order. */
async function walk(
  dir: string,
  prefix = '',
  stats = new Map<string, Stats>(),
): Promise<{ paths: string[]; stats: Map<string, Stats> }> {
  const names = (await readdir(join(dir, prefix))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const paths: string[] = [];
  for (const name of names) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const stat = await lstat(join(dir, rel));
    // Hard links (pnpm links identical files) are archived as copies: every entry stands alone when extracted, and the
    // digest does not depend on whether this machine's pnpm linked or copied the files.
    stat.nlink = 1;
    stats.set(join(dir, rel), stat);
    paths.push(rel);
    if (stat.isDirectory()) paths.push(...(await walk(dir, rel, stats)).paths);
  }
  return { paths, stats };
}

/** Writes a reproducible .tar.gz of `dir` (sorted entries, no owners or times) and returns its sha256: the release digest. */
export async function writeReleaseArchive(dir: string, file: string): Promise<string> {
  // Absolute keys: node-tar looks its stat cache up by resolved path.
  const { paths, stats } = await walk(resolve(dir));
  await create(
    {
      file,
      cwd: dir,
      gzip: true,
      portable: true,
      noMtime: true,
      noDirRecurse: true,
      mtime: new Date(0),
      statCache: stats,
    },
    paths,
  );
  return `sha256:${await sha256File(file)}`;
}
