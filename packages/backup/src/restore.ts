import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { FailedError, type Logger, fsyncDir } from '@pilot/core';
import { createBackup } from './create.ts';
import { readTar } from './tar/reader.ts';
import { assertVerified, verifyBackup } from './verify.ts';

/** Defaults for decompression-bomb limits: at most 200× expansion and 20 GiB in all. */
export const RESTORE_LIMITS = { maxRatio: 200, maxBytes: 20 * 2 ** 30 };

export interface RestoreOptions {
  archive: string;
  to: string;
  maxRatio?: number;
  maxBytes?: number;
  /** Where the emergency backup of the data being replaced goes (default: beside the archive). */
  emergencyDir?: string;
  log?: Logger;
}

export interface RestoreResult {
  to: string;
  files: number;
  bytes: number;
  emergencyBackup?: string;
}

/** Refuses a path that is absolute, empty or climbs out with `..`; returns it normalised. */
function safeRelative(path: string, what: string): string {
  const clean = path.replace(/\/+$/, '');
  if (!clean || clean.startsWith('/') || /^[a-zA-Z]:/.test(clean) || clean.split('/').includes('..'))
    throw new FailedError(`refusing ${what} ${JSON.stringify(path)}: absolute or outside the restore folder`);
  return posix.normalize(clean);
}

/**
 * Verifies the archive, extracts it into a temp folder beside `to` (refusing absolute paths, `..`, devices and FIFOs,
 * links pointing outside, and decompression bombs), takes an emergency backup of what `to` holds, then swaps.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  assertVerified(await verifyBackup(o.archive));
  const target = resolve(o.to);
  const temp = join(dirname(target), `.${basename(target)}.restore-${randomBytes(4).toString('hex')}`);
  const maxRatio = o.maxRatio ?? RESTORE_LIMITS.maxRatio;
  const maxBytes = o.maxBytes ?? RESTORE_LIMITS.maxBytes;
  const compressed = (await stat(o.archive)).size;
  await mkdir(temp, { recursive: true });
  let files = 0;
  let bytes = 0;
  try {
    const symlinks: { path: string; linkname: string }[] = [];
    const linkPaths = new Set<string>();
    const regular = new Set<string>();
    await readTar(createReadStream(o.archive).pipe(createGunzip()), async (entry, content) => {
      const rel = safeRelative(entry.path, 'entry');
      // Nothing may be written through a symlink the archive itself created.
      for (let parent = posix.dirname(rel); parent !== '.'; parent = posix.dirname(parent)) {
        if (linkPaths.has(parent))
          throw new FailedError(`refusing entry ${JSON.stringify(entry.path)}: it goes through the symlink ${parent}`);
      }
      const dest = join(temp, rel);
      switch (entry.type) {
        case 'directory':
          await mkdir(dest, { recursive: true, mode: 0o755 });
          return;
        case 'symlink': {
          const linkname = entry.linkname ?? '';
          if (
            linkname.startsWith('/') ||
            posix.normalize(posix.join(posix.dirname(rel), linkname)).split('/')[0] === '..'
          ) {
            throw new FailedError(
              `refusing symlink ${JSON.stringify(entry.path)} → ${JSON.stringify(linkname)}: it points outside the restore folder`,
            );
          }
          symlinks.push({ path: rel, linkname });
          linkPaths.add(rel);
          return;
        }
        case 'hardlink': {
          const targetRel = safeRelative(entry.linkname ?? '', `hardlink target of ${entry.path}`);
          if (!regular.has(targetRel))
            throw new FailedError(
              `refusing hardlink ${JSON.stringify(entry.path)} → ${JSON.stringify(entry.linkname)}: not a file restored from this archive`,
            );
          await mkdir(dirname(dest), { recursive: true });
          await link(join(temp, targetRel), dest);
          return;
        }
        case 'file': {
          await mkdir(dirname(dest), { recursive: true });
          const handle = await open(dest, 'wx', entry.mode & 0o100 ? 0o755 : 0o644);
          try {
            for await (const chunk of content) {
              bytes += chunk.length;
              if (bytes > maxBytes)
                throw new FailedError(
                  `refusing to restore: more than ${maxBytes} bytes (limit maxBytes) — a decompression bomb?`,
                );
              if (bytes > 2 ** 20 && bytes / compressed > maxRatio)
                throw new FailedError(
                  `refusing to restore: expands more than ${maxRatio}× (limit maxRatio) — a decompression bomb?`,
                );
              await handle.write(chunk);
            }
            await handle.sync();
          } finally {
            await handle.close();
          }
          files += 1;
          regular.add(rel);
          return;
        }
        default:
          throw new FailedError(
            `refusing entry ${JSON.stringify(entry.path)}: type ${JSON.stringify(entry.typeflag)} (device, FIFO or unknown) is never restored`,
          );
      }
    });
    for (const s of symlinks) {
      await mkdir(dirname(join(temp, s.path)), { recursive: true });
      await symlink(s.linkname, join(temp, s.path));
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  let emergencyBackup: string | undefined;
  const existing = await readdir(target).catch(() => undefined);
  if (existing && existing.length > 0) {
    const emergency = await createBackup({
      root: target,
      paths: ['.'],
      out: o.emergencyDir ?? dirname(o.archive),
      name: `emergency-${basename(target).replace(/[^a-zA-Z0-9._-]/g, '_') || 'data'}`,
      reason: `before restoring ${basename(o.archive)}`,
      log: o.log,
    });
    emergencyBackup = emergency.path;
  }
  const old = `${temp}.old`;
  if (existing) await rename(target, old);
  await rename(temp, target);
  await fsyncDir(dirname(target));
  if (existing) await rm(old, { recursive: true, force: true });
  return { to: target, files, bytes, emergencyBackup };
}
