import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupMeta } from './meta.ts';
import { verifyBackup } from './verify.ts';

export interface ListedBackup {
  path: string;
  meta?: BackupMeta;
}

/** Complete backups in a folder, newest first: an archive with both sidecars. Temp files and orphans are not listed. */
export async function listBackups(dir: string): Promise<ListedBackup[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const archives = names.filter(
    (n) => n.endsWith('.tar.gz') && !n.startsWith('.') && names.includes(`${n}.sha256`) && names.includes(`${n}.json`),
  );
  const listed = await Promise.all(
    archives.map(async (name) => ({
      path: join(dir, name),
      meta: await readFile(join(dir, `${name}.json`), 'utf8').then(
        (t) => JSON.parse(t) as BackupMeta,
        () => undefined,
      ),
    })),
  );
  return listed.sort(
    (a, b) => (b.meta?.created ?? '').localeCompare(a.meta?.created ?? '') || b.path.localeCompare(a.path),
  );
}

/**
 * Keeps the newest `keep` backups and deletes the rest, but never the newest one that verifies (the last good
 * safety net). Also removes leftovers of killed backups (temp files older than an hour, sidecars without archive).
 */
export async function pruneBackups(dir: string, keep: number): Promise<{ removed: string[]; keptVerified?: string }> {
  const backups = await listBackups(dir);
  let keptVerified: string | undefined;
  for (const backup of backups) {
    if ((await verifyBackup(backup.path)).ok) {
      keptVerified = backup.path;
      break;
    }
  }
  const removed: string[] = [];
  for (const backup of backups.slice(keep)) {
    if (backup.path === keptVerified) continue;
    for (const suffix of ['', '.sha256', '.json']) await rm(`${backup.path}${suffix}`, { force: true });
    removed.push(backup.path);
  }
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const orphan =
      (name.endsWith('.tar.gz.json') || name.endsWith('.tar.gz.sha256')) &&
      !names.includes(name.replace(/\.(json|sha256)$/, ''));
    const staleTemp = name.endsWith('.partial') && Date.now() - (await stat(path)).mtimeMs > 3_600_000;
    if (orphan || staleTemp) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return { removed, keptVerified };
}
