import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const CHUNK = 1 << 20;
// Compressions in flight: libuv's pool runs them on both cores; memory stays at a few MiB whatever the input.
const IN_FLIGHT = 4;

/**
 * Compresses a byte stream as a multi-member gzip (one member per 1 MiB, each with MTIME 0 and no name, so the same
 * input always gives the same bytes), on several threads, writing the members in order. Any gzip/tar reader accepts it.
 */
export class ParallelGzip {
  readonly #out: FileHandle;
  readonly #level: number;
  readonly #pending: Promise<Buffer>[] = [];
  readonly #compressedHash = createHash('sha256');
  #block = Buffer.allocUnsafe(CHUNK);
  #used = 0;
  compressedBytes = 0;

  constructor(out: FileHandle, level = 6) {
    this.#out = out;
    this.#level = level;
  }

  async write(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(CHUNK - this.#used, data.length - offset);
      data.copy(this.#block, this.#used, offset, offset + take);
      this.#used += take;
      offset += take;
      if (this.#used === CHUNK) await this.#dispatch();
    }
  }

  async #dispatch(): Promise<void> {
    const input = this.#block.subarray(0, this.#used);
    this.#pending.push(gzipAsync(input, { level: this.#level }));
    this.#block = Buffer.allocUnsafe(CHUNK);
    this.#used = 0;
    if (this.#pending.length >= IN_FLIGHT) await this.#drainOne();
  }

  async #drainOne(): Promise<void> {
    const member = await this.#pending.shift()!;
    this.#compressedHash.update(member);
    this.compressedBytes += member.length;
    await this.#out.write(member);
  }

  /** Flushes everything; returns the sha256 of the compressed bytes. */
  async end(): Promise<string> {
    if (this.#used > 0) await this.#dispatch();
    while (this.#pending.length) await this.#drainOne();
    return this.#compressedHash.digest('hex');
  }
}
