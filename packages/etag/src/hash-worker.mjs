// Hashes files with blocking reads: run inside worker_threads so each core hashes its own share
// (plain JS so a worker starts without a TypeScript loader).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

const CHUNK = 256 * 1024;
let buffer;

/**
 * sha256 of one regular file, read in chunks so large files never sit in memory whole.
 * @param {string} path
 * @returns {{ size: number, exec: boolean, sha256: string } | { error: string }}
 */
export function hashFileSync(path) {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  let fd;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: `${path} is no longer a regular file` };
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      hash.update(read === CHUNK ? buffer : buffer.subarray(0, read));
      size += read;
    }
    // Git's rule: the owner's execute bit decides 100755 vs 100644.
    return { size, exec: (stat.mode & 0o100) !== 0, sha256: hash.digest('hex') };
  } catch (error) {
    return { error: `${path}: ${error?.code ?? ''} ${error?.message ?? error}`.trim() };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

if (!isMainThread && workerData?.pilotEtagWorker && parentPort) {
  const port = parentPort;
  port.on('message', (batch) => {
    port.postMessage({ id: batch.id, results: batch.paths.map(hashFileSync) });
  });
}
