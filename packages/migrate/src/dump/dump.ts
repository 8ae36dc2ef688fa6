import { mkdir, readFile, rename, rm, stat, chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FailedError, type Logger, pgBin, sha256File, shell, writeFileAtomic } from '@pilot/core';
import { libpqEnv } from './libpq-env.ts';

/** A verified database dump. */
export interface Dump {
  path: string;
  sha256: string;
  bytes: number;
}

/** `db_20261123T093643Z.dump`: sorts by time. */
export function dumpName(date = new Date()): string {
  return `db_${date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.dump`;
}

/** pg_dump -Fc into `dir` (temp name, then rename), writes the coreutils `.sha256` sidecar and verifies the result. */
export async function createDump(o: { url: string; dir: string; log: Logger; signal?: AbortSignal }): Promise<Dump> {
  // A dump holds the whole database: readable by its owner only.
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const path = join(o.dir, dumpName());
  const temp = `${path}.partial`;
  try {
    await shell({
      env: libpqEnv(o.url),
      signal: o.signal,
      log: o.log,
    })`${pgBin('pg_dump')} --format=custom --no-password --file ${temp}`;
  } catch (error) {
    await rm(temp, { force: true });
    throw new FailedError(`pg_dump failed, so nothing was migrated: ${stderrOf(error)}`, { cause: error });
  }
  await chmod(temp, 0o600);
  await rename(temp, path);
  const sha256 = await sha256File(path);
  await writeFileAtomic(`${path}.sha256`, `${sha256}  ${basename(path)}\n`);
  await verifyDump(path);
  const { size } = await stat(path);
  o.log.info('migration.backup', `database dump verified (${size} bytes, read fully by pg_restore)`, {
    dump: path,
    sha256,
  });
  return { path, sha256, bytes: size };
}

/** Checks the dump against its `.sha256` sidecar and reads it fully with `pg_restore -f /dev/null` (`--list` misses corruption). */
export async function verifyDump(path: string): Promise<{ sha256: string }> {
  const sidecar = await readFile(`${path}.sha256`, 'utf8').catch(() => undefined);
  if (sidecar === undefined) throw new FailedError(`${path}.sha256 is missing: cannot tell whether ${path} is intact`);
  const expected = /^([0-9a-f]{64}) [ *]?(.+)$/m.exec(sidecar);
  if (!expected || expected[2] !== basename(path))
    throw new FailedError(`${path}.sha256 is not a sha256sum line for ${basename(path)}`);
  const sha256 = await sha256File(path);
  if (sha256 !== expected[1])
    throw new FailedError(`${path} is corrupt: sha256 ${sha256} ≠ ${expected[1]} in its .sha256 sidecar`);
  try {
    await shell()`${pgBin('pg_restore')} --file /dev/null ${path}`;
  } catch (error) {
    throw new FailedError(`${path} is unreadable by pg_restore (truncated or corrupt): ${stderrOf(error)}`, {
      cause: error,
    });
  }
  return { sha256 };
}

/** The last lines of a failed subprocess's stderr. */
export function stderrOf(error: unknown): string {
  const e = error as { stderr?: string; shortMessage?: string; message?: string };
  return (e.stderr?.trim().split('\n').slice(-3).join(' ') || e.shortMessage || e.message || String(error)).trim();
}
