import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from '@pilot/core';
import { type EtagEntry, digestEntries } from '@pilot/etag';
import { ParallelGzip } from './parallel-gzip.ts';
import { END_OF_ARCHIVE, type TarEntry, encodeHeader, padding } from './tar/header.ts';

interface Source extends TarEntry {
  abs: string;
}

/** Every file, folder and symlink under the sources, relative to `root`, sorted by path bytes (the archive's order). */
export async function collectSources(root: string, paths: string[], exclude: string[] = []): Promise<{ entries: Source[]; skipped: string[] }> {
  const entries: Source[] = [];
  const skipped: string[] = [];
  const excluded = exclude.map((p) => resolve(p));
  const visit = async (abs: string) => {
    if (excluded.some((e) => abs === e || abs.startsWith(e + sep))) return;
    const stat = await lstat(abs);
    const rel = relative(root, abs).split(sep).join('/');
    if (rel.startsWith('..')) throw new UsageError(`backup source ${abs} is outside ${root} — give paths inside the repository`);
    if (stat.isSymbolicLink()) entries.push({ abs, path: rel, type: 'symlink', mode: 0o777, size: 0, linkname: await readlink(abs) });
    else if (stat.isFile()) entries.push({ abs, path: rel, type: 'file', mode: stat.mode & 0o100 ? 0o755 : 0o644, size: stat.size });
    else if (stat.isDirectory()) {
      if (rel) entries.push({ abs, path: rel, type: 'directory', mode: 0o755, size: 0 });
      for (const name of await readdir(abs)) await visit(join(abs, name));
    } else skipped.push(rel);
  };
  for (const path of paths) {
    const abs = resolve(root, path);
    await lstat(abs).catch(() => {
      throw new UsageError(`backup source ${JSON.stringify(path)} does not exist (looked at ${abs})`);
    });
    await visit(abs);
  }
  const unique = [...new Map(entries.map((e) => [e.path, e])).values()];
  unique.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { entries: unique, skipped };
}

export interface ArchiveStats {
  sha256: string;
  tarSha256: string;
  files: number;
  bytes: number;
  compressedBytes: number;
  /** E-tag of the archived files (as `generate-etag` tags them), hashed in the same pass. */
  etag: string;
}

const SMALL_FILE = 256 * 1024;
const READ_AHEAD = 32;

/**
 * Reads small files a few dozen ahead of the writer: one at a time, each file's open/read/close round trips through
 * the thread pool (queued behind the compressions) cost far more than its bytes. Memory stays under 8 MiB.
 */
function readAhead(entries: Source[]): (index: number) => Promise<Buffer | undefined> {
  const reads = new Map<number, Promise<{ data?: Buffer; error?: unknown }>>();
  let next = 0;
  return async (index) => {
    for (; next < Math.min(entries.length, index + READ_AHEAD); next++) {
      const e = entries[next];
      // Settled into a value at once: a failed read ahead must not become an unhandled rejection before its turn.
      if (e.type === 'file' && e.size <= SMALL_FILE) reads.set(next, readFile(e.abs).then((data) => ({ data }), (error) => ({ error })));
    }
    const read = reads.get(index);
    if (!read) return undefined;
    reads.delete(index);
    const { data, error } = await read;
    if (error) throw error;
    return data;
  };
}

/** Streams a reproducible tar (sorted, mtime 0, owner 0/0, git-style modes) through parallel gzip into `out`. */
export async function writeArchive(entries: Source[], out: FileHandle, level = 6): Promise<ArchiveStats> {
  const gzip = new ParallelGzip(out, level);
  const tarHash = createHash('sha256');
  const put = async (data: Buffer) => {
    tarHash.update(data);
    await gzip.write(data);
  };
  let files = 0;
  let bytes = 0;
  const ahead = readAhead(entries);
  // generate-etag skips .git; its records are the files and symlinks.
  const tagged: EtagEntry[] = [];
  const inGit = (path: string) => path === '.git' || path.startsWith('.git/') || path.includes('/.git/');
  for (const [index, entry] of entries.entries()) {
    await put(encodeHeader(entry));
    if (entry.type === 'symlink' && !inGit(entry.path)) {
      const target = entry.linkname ?? '';
      tagged.push({ path: entry.path, type: 'symlink', exec: false, sha256: createHash('sha256').update(target).digest('hex'), size: 0, target });
    }
    if (entry.type !== 'file') continue;
    files += 1;
    let seen = 0;
    const content = createHash('sha256');
    const small = await ahead(index);
    for await (const chunk of small ? [small] : createReadStream(entry.abs, { highWaterMark: 1 << 20 })) {
      seen += (chunk as Buffer).length;
      if (seen > entry.size) throw new Error(`${entry.abs} grew while it was being backed up — retry when it is not being written`);
      content.update(chunk as Buffer);
      await put(chunk as Buffer);
    }
    if (!inGit(entry.path)) tagged.push({ path: entry.path, type: 'file', exec: entry.mode === 0o755, sha256: content.digest('hex'), size: seen });
    if (seen !== entry.size) throw new Error(`${entry.abs} changed size while it was being backed up (${entry.size} → ${seen} bytes)`);
    bytes += seen;
    await put(Buffer.alloc(padding(seen)));
  }
  await put(END_OF_ARCHIVE);
  const sha256 = await gzip.end();
  return { sha256, tarSha256: tarHash.digest('hex'), files, bytes, compressedBytes: gzip.compressedBytes, etag: digestEntries(tagged).etag };
}
