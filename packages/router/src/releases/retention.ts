import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Deletes all but the newest `keep` releases (by folder mtime), never one in `protect` (live, candidate, last known-good, warm). */
export async function pruneReleases(releasesDir: string, keep: number, protect: Iterable<string | undefined>): Promise<string[]> {
  const kept = new Set([...protect].filter(Boolean));
  let names: string[];
  try {
    names = (await readdir(releasesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(releasesDir, name))).mtimeMs })));
  dated.sort((a, b) => b.mtime - a.mtime);
  const removed: string[] = [];
  for (const { name } of dated.slice(keep)) {
    if (kept.has(name)) continue;
    await rm(join(releasesDir, name), { recursive: true, force: true });
    await rm(join(releasesDir, `${name}.tar.gz`), { force: true });
    removed.push(name);
  }
  return removed;
}
