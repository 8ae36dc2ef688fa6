import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { FailedError } from '@pilot/core';
import { type BackupMeta, parseSha256Line } from './meta.ts';
import { readTar } from './tar/reader.ts';

export interface VerifyResult {
  archive: string;
  ok: boolean;
  /** What failed, for people: the first problem found. */
  problem?: string;
  meta?: BackupMeta;
}

/** Checks the .sha256 sidecar, the metadata, and reads the whole archive (gunzip + tar parse + inner digest). */
export async function verifyBackup(archive: string): Promise<VerifyResult> {
  const fail = (problem: string, meta?: BackupMeta): VerifyResult => ({ archive, ok: false, problem, meta });
  if (
    !(await stat(archive).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    return fail(`${archive} does not exist`);
  const shaText = await readFile(`${archive}.sha256`, 'utf8').catch(() => undefined);
  if (shaText === undefined) return fail(`checksum sidecar ${basename(archive)}.sha256 is missing`);
  const sha = parseSha256Line(shaText);
  if (!sha || sha.name !== basename(archive))
    return fail(`checksum sidecar ${basename(archive)}.sha256 is malformed or names another file`);
  const metaText = await readFile(`${archive}.json`, 'utf8').catch(() => undefined);
  if (metaText === undefined) return fail(`metadata sidecar ${basename(archive)}.json is missing`);
  let meta: BackupMeta;
  try {
    meta = JSON.parse(metaText) as BackupMeta;
  } catch {
    return fail(`metadata sidecar ${basename(archive)}.json is not valid JSON`);
  }
  if (meta.format !== 'pilot-backup/1' || typeof meta.tarSha256 !== 'string')
    return fail(`metadata sidecar ${basename(archive)}.json is not a Pilot backup's metadata`);
  if (meta.sha256 !== sha.sha256)
    return fail('metadata and checksum sidecar disagree about the archive digest (one of them was changed)', meta);
  const fileHash = createHash('sha256');
  for await (const chunk of createReadStream(archive)) fileHash.update(chunk as Buffer);
  const actual = fileHash.digest('hex');
  if (actual !== sha.sha256)
    return fail(
      `archive digest ${actual} does not match its checksum ${sha.sha256} (the archive was changed or damaged)`,
      meta,
    );
  try {
    const inner = await readWholeArchive(archive);
    if (inner.tarSha256 !== meta.tarSha256)
      return fail('the uncompressed tar does not match the digest in the metadata', meta);
    if (inner.files !== meta.files || inner.bytes !== meta.bytes)
      return fail(
        `the archive holds ${inner.files} files / ${inner.bytes} bytes, the metadata says ${meta.files} / ${meta.bytes}`,
        meta,
      );
  } catch (error) {
    return fail(`reading the archive failed: ${(error as Error).message}`, meta);
  }
  return { archive, ok: true, meta };
}

/** Decompresses and parses every entry, hashing the tar stream as it goes. */
async function readWholeArchive(archive: string): Promise<{ tarSha256: string; files: number; bytes: number }> {
  const tarHash = createHash('sha256');
  const gunzip = createReadStream(archive).pipe(createGunzip());
  const hashed = (async function* () {
    for await (const chunk of gunzip) {
      tarHash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  })();
  let files = 0;
  let bytes = 0;
  await readTar(hashed, async (entry, content) => {
    if (entry.type !== 'file') return;
    files += 1;
    for await (const chunk of content) bytes += chunk.length;
  });
  return { tarSha256: tarHash.digest('hex'), files, bytes };
}

/** Throws a FailedError (exit 1) naming what failed. */
export function assertVerified(result: VerifyResult): asserts result is VerifyResult & { ok: true; meta: BackupMeta } {
  if (!result.ok) throw new FailedError(`backup ${result.archive} failed verification: ${result.problem}`);
}
