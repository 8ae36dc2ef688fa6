import { type TarEntry, decodeHeader, padding, parsePax } from './header.ts';

/** Pulls exact byte counts from a stream without holding more than one chunk ahead. */
class ByteReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #buffer: Buffer = Buffer.alloc(0);
  constructor(source: AsyncIterable<Buffer>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }
  async #fill(n: number): Promise<boolean> {
    while (this.#buffer.length < n) {
      const next = await this.#iterator.next();
      if (next.done) return false;
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, next.value]) : next.value;
    }
    return true;
  }
  async exactly(n: number): Promise<Buffer> {
    if (!(await this.#fill(n))) throw new Error('archive is truncated');
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }
  /** Up to `n` bytes (at least 1), for streaming large contents. */
  async upTo(n: number): Promise<Buffer> {
    if (!(await this.#fill(1))) throw new Error('archive is truncated');
    const take = Math.min(n, this.#buffer.length);
    const out = this.#buffer.subarray(0, take);
    this.#buffer = this.#buffer.subarray(take);
    return out;
  }
  async rest(): Promise<Buffer> {
    const chunks: Buffer[] = [this.#buffer];
    for (let next = await this.#iterator.next(); !next.done; next = await this.#iterator.next())
      chunks.push(next.value);
    return Buffer.concat(chunks);
  }
}

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
};

/**
 * Reads a tar stream entry by entry. `onEntry` gets each entry and an async iterator of its content chunks,
 * which it must consume (or not: unread content is skipped).
 */
export async function readTar(
  source: AsyncIterable<Buffer>,
  onEntry: (entry: TarEntry, content: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const reader = new ByteReader(source);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const header = decodeHeader(await reader.exactly(512));
    if (!header) {
      // End of archive: a second zero block, then only zeros may follow.
      const rest = await reader.rest();
      if (rest.some((byte) => byte !== 0)) throw new Error('data after the end of the archive');
      return;
    }
    if (header.typeflag === 'x' || header.typeflag === 'L' || header.typeflag === 'K' || header.typeflag === 'g') {
      const data = await reader.exactly(header.size);
      await reader.exactly(padding(header.size));
      if (header.typeflag === 'x') pax = parsePax(data);
      if (header.typeflag === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
      if (header.typeflag === 'K') longLink = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    const path = pax.path ?? longName ?? (header.prefix ? `${header.prefix}/${header.name}` : header.name);
    const size = pax.size ? Number(pax.size) : header.size;
    const entry: TarEntry = {
      path,
      type: TYPES[header.typeflag] ?? 'other',
      mode: header.mode & 0o7777,
      size,
      linkname: pax.linkpath ?? longLink ?? (header.linkname || undefined),
      typeflag: header.typeflag,
    };
    pax = {};
    longName = longLink = undefined;
    let remaining = entry.type === 'file' || entry.type === 'other' ? size : 0;
    const content = (async function* () {
      while (remaining > 0) {
        const chunk = await reader.upTo(Math.min(remaining, 1 << 20));
        remaining -= chunk.length;
        yield chunk;
      }
    })();
    await onEntry(entry, content);
    while (remaining > 0) remaining -= (await reader.upTo(Math.min(remaining, 1 << 20))).length;
    if (entry.type === 'file' || entry.type === 'other') await reader.exactly(padding(size));
  }
}
