import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { InterruptedError } from '@pilot/core';
import { EtagDigest } from '@pilot/etag/digest';
import { ParallelGzip } from './parallel-gzip.ts';
import { END_OF_ARCHIVE, encodeHeader, padding } from './tar/header.ts';
import type { Source } from './walk-sources.ts';

export interface ArchiveStats {
  sha256: string;
  tarSha256: string;
  files: number;
  bytes: number;
  compressedBytes: number;
  /** E-tag of the archived files (as `generate-etag` tags them), hashed in the same pass. */
  etag: string;
}

const READ_CHUNK = 1 << 20;
// Tar padding is zeros: one shared block, not a new buffer per file.
const ZEROS = Buffer.alloc(512);

export interface WriteArchiveOptions {
  level?: number;
  /** Aborting stops the archive at the next entry or MiB read, with an InterruptedError. */
  signal?: AbortSignal;
}

/**
 * Streams a reproducible tar (sorted, mtime 0, owner 0/0, git-style modes) through parallel gzip into the file `fd`.
 * `entries` may be produced lazily (walkSources): each is used once and dropped.
 */
export async function writeArchive(
  entries: Iterable<Source>,
  fd: number,
  o: WriteArchiveOptions = {},
): Promise<ArchiveStats> {
  const gzip = new ParallelGzip(fd, o.level);
  try {
    return await writeEntries(entries, gzip, o.signal);
  } catch (error) {
    await gzip.abort();
    throw error;
  }
}

async function writeEntries(
  entries: Iterable<Source>,
  gzip: ParallelGzip,
  signal: AbortSignal | undefined,
): Promise<ArchiveStats> {
  const tarHash = createHash('sha256');
  const put = async (data: Buffer) => {
    tarHash.update(data);
    await gzip.write(data);
  };
  const checkSignal = () => {
    if (signal?.aborted) throw new InterruptedError('the archive was interrupted before it was complete');
  };
  let files = 0;
  let bytes = 0;
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  // generate-etag skips .git; its records are the files and symlinks, in the same path-byte order as the archive.
  const etag = new EtagDigest();
  const inGit = (path: string) => path === '.git' || path.startsWith('.git/') || path.includes('/.git/');
  for (const entry of entries) {
    checkSignal();
    await put(encodeHeader(entry));
    if (entry.type === 'symlink' && !inGit(entry.path)) {
      const target = entry.linkname ?? '';
      etag.add({ path: entry.path, type: 'symlink', exec: false, sha256: '', size: 0, target });
    }
    if (entry.type !== 'file') continue;
    files += 1;
    let seen = 0;
    const content = createHash('sha256');
    // Blocking reads into one reused buffer: async ones would queue on the thread pool behind the compressions.
    const file = openSync(entry.abs, 'r');
    try {
      for (;;) {
        const read = readSync(file, chunk, 0, READ_CHUNK, null);
        if (read === 0) break;
        seen += read;
        if (seen > entry.size)
          throw new Error(`${entry.abs} grew while it was being backed up — retry when it is not being written`);
        const data = chunk.subarray(0, read);
        content.update(data);
        await put(data);
        checkSignal();
      }
    } finally {
      closeSync(file);
    }
    if (seen !== entry.size)
      throw new Error(`${entry.abs} changed size while it was being backed up (${entry.size} → ${seen} bytes)`);
    if (!inGit(entry.path))
      etag.add({
        path: entry.path,
        type: 'file',
        exec: entry.mode === 0o755,
        sha256: content.digest('hex'),
        size: seen,
      });
    bytes += seen;
    await put(ZEROS.subarray(0, padding(seen)));
  }
  checkSignal();
  await put(END_OF_ARCHIVE);
  const sha256 = await gzip.end();
  return {
    sha256,
    tarSha256: tarHash.digest('hex'),
    files,
    bytes,
    compressedBytes: gzip.compressedBytes,
    etag: etag.digest(),
  };
}
