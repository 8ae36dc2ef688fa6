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
const HEADER = Buffer.from('pilot-etag/1\0');
const NUL = Buffer.from([0]);

/**
 * Sorts entries by the bytes of their path and hashes the records
 * `type NUL exec NUL path NUL value NUL`: no field can contain NUL, so the encoding is unambiguous.
 */
export function digestEntries(entries: EtagEntry[]): { etag: string; sorted: EtagEntry[] } {
  const keyed = entries.map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }));
  // Byte order of UTF-8, not UTF-16 code units: the same order any other implementation gets.
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const hash = createHash('sha256').update(HEADER);
  for (const { entry, key } of keyed) {
    const value = entry.type === 'symlink' ? Buffer.from(entry.target ?? '', 'utf8') : Buffer.from(entry.sha256, 'ascii');
    hash.update(Buffer.concat([Buffer.from(entry.type), NUL, Buffer.from(entry.exec ? '1' : '0'), NUL, key, NUL, value, NUL]));
  }
  return { etag: formatEtag(hash.digest('hex')), sorted: keyed.map(({ entry }) => entry) };
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
