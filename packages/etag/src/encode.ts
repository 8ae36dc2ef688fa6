import { createHash } from 'node:crypto';

/** One file or symlink as it enters the tag. */
export interface EtagEntry {
  /** POSIX path relative to the tagged root. */
  path: string;
  type: 'file' | 'symlink';
  /** Owner execute bit (git's 100755); always false for a symlink. */
  exec: boolean;
  /** sha256 (hex) of the content; for a symlink, of its target string. */
  sha256: string;
  /** Content bytes (0 for a symlink). */
  size: number;
  /** The link target, for a symlink. */
  target?: string;
}

// Bumped if the encoding ever changes, so old and new tags can never collide.
const HEADER = 'pilot-etag/1\0';

/**
 * The tag of entries that arrive one at a time, sorted by the UTF-8 bytes of their path (a sorted walk), without
 * holding them: the records `type NUL exec NUL path NUL value NUL` hashed in order. No field can contain NUL, so the
 * encoding is unambiguous. Throws if an entry comes out of order.
 */
export class EtagDigest {
  readonly #hash = createHash('sha256').update(HEADER);
  #previous: Buffer | undefined;

  add(entry: EtagEntry): void {
    const key = Buffer.from(entry.path, 'utf8');
    if (this.#previous && Buffer.compare(this.#previous, key) >= 0)
      throw new Error(
        `EtagDigest: ${JSON.stringify(entry.path)} comes after or equals the previous path; add entries sorted by path bytes, each once`,
      );
    this.#previous = key;
    const value = entry.type === 'symlink' ? (entry.target ?? '') : entry.sha256;
    this.#hash.update(`${entry.type}\0${entry.exec ? '1' : '0'}\0${entry.path}\0${value}\0`, 'utf8');
  }

  /** The tag, `"sha256-<hex>"`. */
  digest(): string {
    return formatEtag(this.#hash.digest('hex'));
  }
}

/** Sorts entries by the bytes of their path (UTF-8 byte order, not UTF-16 code units: what any other implementation gets) and tags them. */
export function digestEntries(entries: EtagEntry[]): { etag: string; sorted: EtagEntry[] } {
  const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const digest = new EtagDigest();
  for (const { entry } of keyed) digest.add(entry);
  return { etag: digest.digest(), sorted: keyed.map(({ entry }) => entry) };
}

/** A strong RFC 9110 entity tag: the quoted opaque string `"sha256-<hex>"`. */
export function formatEtag(hex: string): string {
  return `"sha256-${hex}"`;
}

/** True for a well-formed tag as Pilot writes it. */
export function isEtag(value: unknown): value is string {
  return typeof value === 'string' && /^"sha256-[0-9a-f]{64}"$/.test(value);
}

/** sha256 hex of a string (a symlink's target). */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
