import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const CHUNK = 1 << 20;
// Output room for a whole member (deflate's worst case is a few bytes per 16 KiB): one pass on the pool per member,
// not one main-thread round trip per 16 KiB output chunk (the default chunkSize).
const OUT_CHUNK = CHUNK + (64 << 10);
// Compressions in flight, one per libuv pool thread: both cores stay busy while the oldest is awaited (3: ~183% CPU).
const IN_FLIGHT = 4;

/**
 * Compresses a byte stream as a multi-member gzip (one member per 1 MiB, each with MTIME 0 and no name, so the same
 * input always gives the same bytes), on several threads, writing the members in order to `fd`. Any gzip/tar reader
 * accepts it. Input blocks are reused, so memory stays at a few MiB whatever the input.
 */
export class ParallelGzip {
  readonly #fd: number;
  readonly #level: number;
  readonly #pending: { input: Buffer; member: Promise<Buffer> }[] = [];
  readonly #spare: Buffer[] = [];
  readonly #compressedHash = createHash('sha256');
  #block: Buffer = Buffer.allocUnsafe(CHUNK);
  #used = 0;
  compressedBytes = 0;

  constructor(fd: number, level = 6) {
    this.#fd = fd;
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
    this.#pending.push({ input: this.#block, member: gzipAsync(input, { level: this.#level, chunkSize: OUT_CHUNK }) });
    this.#block = this.#spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    this.#used = 0;
    if (this.#pending.length >= IN_FLIGHT) await this.#drainOne();
  }

  async #drainOne(): Promise<void> {
    const { input, member } = this.#pending.shift()!;
    const bytes = await member;
    this.#spare.push(input);
    this.#compressedHash.update(bytes);
    this.compressedBytes += bytes.length;
    // Blocking write: an async one would queue on the thread pool behind the compressions.
    for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done);
  }

  /** Flushes everything; returns the sha256 of the compressed bytes. */
  async end(): Promise<string> {
    if (this.#used > 0) await this.#dispatch();
    while (this.#pending.length) await this.#drainOne();
    return this.#compressedHash.digest('hex');
  }
}
