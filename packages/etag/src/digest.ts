// `@pilot/etag/digest`: the tag's encoding without the walker, the hashing pool and the ledger (≈10 MB less to load),
// for callers that hash their own entries, such as a backup that reads every file anyway.
import { createHash } from 'node:crypto';
import { type EtagEntry, digestEntries, formatEtag } from './encode.ts';

export { type EtagEntry, digestEntries, formatEtag };

/**
 * `digestEntries` for entries that arrive one at a time, already sorted by the UTF-8 bytes of their path (a sorted
 * walk): the same tag, without holding every entry. Throws if an entry comes out of order.
 */
export class EtagDigest {
  // The same header and records as digestEntries (encode.ts); a test checks the two agree.
  readonly #hash = createHash('sha256').update('pilot-etag/1\0');
  #previous: Buffer | undefined;

  add(entry: EtagEntry): void {
    const key = Buffer.from(entry.path, 'utf8');
    if (this.#previous && Buffer.compare(this.#previous, key) >= 0) throw new Error(`EtagDigest: ${JSON.stringify(entry.path)} comes after or equals the previous path; add entries sorted by path bytes, each once`);
    this.#previous = key;
    const value = entry.type === 'symlink' ? (entry.target ?? '') : entry.sha256;
    this.#hash.update(`${entry.type}\0${entry.exec ? '1' : '0'}\0${entry.path}\0${value}\0`, 'utf8');
  }

  /** The tag, `"sha256-<hex>"`. */
  digest(): string {
    return formatEtag(this.#hash.digest('hex'));
  }
}
