import { mkdir, open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { InterruptedError, type Logger, UsageError, fsyncDir, writeFileAtomic } from '@pilot/core';
import { type ArchiveStats, writeArchive } from './archive.ts';
import { type BackupMeta, gitInfo, sha256Line, toolVersion } from './meta.ts';
import { walkSources } from './walk-sources.ts';

export interface CreateBackupOptions {
  /** Repository root: sources are relative to it. */
  root: string;
  paths: string[];
  /** Backup folder (e.g. `.pilot/backups/<env>`). */
  out: string;
  name?: string;
  envName?: string;
  reason?: string;
  log?: Logger;
  /** Aborting (Ctrl-C) stops the backup promptly with an InterruptedError and removes its temp file. */
  signal?: AbortSignal;
  level?: number;
}

export interface BackupResult {
  id: string;
  path: string;
  digest: string;
  meta: BackupMeta;
}

/** A UTC timestamp that sorts and fits a file name: 20261122T145500123Z. */
export function stamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/**
 * Streams the sources into `<name>_<UTC>.tar.gz` with its `.sha256` and `.json` sidecars. The archive is written under
 * a temp name and renamed last, after the sidecars: a killed backup never leaves an archive that list or verify accept.
 */
export async function createBackup(o: CreateBackupOptions): Promise<BackupResult> {
  if (o.paths.length === 0)
    throw new UsageError(
      'backup-dhash: nothing to back up — pass PATH arguments or set environments.<env>.backup.paths in pilot.config.ts',
    );
  const name = o.name ?? o.envName ?? 'backup';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(name))
    throw new UsageError(`--name ${JSON.stringify(name)} must be letters, digits, . _ -`);
  await mkdir(o.out, { recursive: true });
  const archiveName = `${name}_${stamp()}.tar.gz`;
  const final = join(o.out, archiveName);
  const temp = join(o.out, `.${archiveName}.partial`);
  // The sources are walked while they are archived (nothing held per file); a missing source fails here, before any write.
  const entries = walkSources(o.root, o.paths, [o.out], (path) =>
    o.log?.warn('backup.skipped', `skipped ${path}: not a file, folder or symlink`, { path }),
  );
  const interrupted = (cause?: unknown) => {
    const reason = o.signal?.reason;
    return new InterruptedError(
      `backup interrupted${typeof reason === 'string' ? ` (${reason})` : ''}: its partial archive was removed, nothing was kept`,
      { cause },
    );
  };
  if (o.signal?.aborted) throw interrupted();
  o.log?.info('backup.started', `backing up ${o.paths.join(', ')} to ${final}`, { sources: o.paths });
  const handle = await open(temp, 'wx', 0o600);
  let stats: ArchiveStats;
  try {
    stats = await writeArchive(entries, handle.fd, { level: o.level, signal: o.signal });
    await handle.datasync();
    if (o.signal?.aborted) throw interrupted();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw o.signal?.aborted ? interrupted(error) : error;
  }
  await handle.close();
  const meta: BackupMeta = {
    format: 'pilot-backup/1',
    name,
    env: o.envName,
    archive: archiveName,
    ...stats,
    sources: o.paths,
    git: await gitInfo(o.root),
    created: new Date().toISOString(),
    host: hostname(),
    tool: { name: 'pilot backup-dhash', version: await toolVersion() },
    reason: o.reason,
  };
  await writeFileAtomic(`${final}.json`, `${JSON.stringify(meta, null, 2)}\n`);
  await writeFileAtomic(`${final}.sha256`, sha256Line(stats.sha256, archiveName));
  await rename(temp, final);
  await fsyncDir(o.out);
  o.log?.info(
    'backup.completed',
    `backup ${archiveName}: ${stats.files} files, ${stats.bytes} bytes → ${stats.compressedBytes} bytes`,
    { archive: final, sha256: stats.sha256 },
  );
  return { id: basename(final, '.tar.gz'), path: final, digest: stats.sha256, meta };
}
