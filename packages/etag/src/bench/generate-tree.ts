import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '@pilot/core';

/** Writes `files` files in folders of 50, sized like a source tree: mostly small, a few large. Returns total bytes. */
export async function generateTree(dir: string, files: number, seed = 42): Promise<number> {
  const next = seededRandom(seed);
  const pool = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < pool.length; i += 1) pool[i] = Math.floor(next() * 256);
  let bytes = 0;
  for (let start = 0; start < files; start += 50) {
    const folder = join(dir, `d${Math.floor(start / 2500)}`, `s${Math.floor(start / 50) % 50}`);
    await mkdir(folder, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(files, start + 50); i += 1) {
      // 1 in 500 files is 256 KiB–1 MiB, the rest 0–16 KiB.
      const size = next() < 0.002 ? 262144 + Math.floor(next() * 786432) : Math.floor(next() * 16384);
      const offset = Math.floor(next() * (pool.length - size));
      bytes += size;
      writes.push(writeFile(join(folder, `f${i}.dat`), pool.subarray(offset, offset + size)));
    }
    await Promise.all(writes);
  }
  return bytes;
}
