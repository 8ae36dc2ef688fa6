// ustar headers (POSIX.1-1988) with pax extended headers for what ustar cannot hold (long or non-ASCII paths).
const BLOCK = 512;

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  path: string;
  type: EntryType;
  mode: number;
  size: number;
  linkname?: string;
  /** The raw typeflag, for error messages about refused entries. */
  typeflag?: string;
}

const TYPEFLAG: Record<Exclude<EntryType, 'other'>, string> = {
  file: '0',
  directory: '5',
  symlink: '2',
  hardlink: '1',
};

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

export function rawHeader(name: string, typeflag: string, mode: number, size: number, linkname = ''): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode, 8), 100);
  block.write(octal(0, 8), 108); // uid 0
  block.write(octal(0, 8), 116); // gid 0
  block.write(octal(size, 12), 124);
  block.write(octal(0, 12), 136); // mtime 0: the same content gives the same bytes
  block.write('        ', 148); // checksum placeholder
  block.write(typeflag, 156);
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'binary');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

const fitsUstar = (text: string) => Buffer.byteLength(text) <= 99 && /^[\x20-\x7e]*$/.test(text);

/** The header block(s) of one entry: a pax header first when the path or link target does not fit ustar. */
export function encodeHeader(entry: TarEntry): Buffer {
  if (entry.type === 'other') throw new Error(`cannot archive ${entry.path}: not a file, folder or symlink`);
  const records =
    (fitsUstar(entry.path) ? '' : paxRecord('path', entry.path)) +
    (entry.linkname && !fitsUstar(entry.linkname) ? paxRecord('linkpath', entry.linkname) : '');
  const main = rawHeader(
    fitsUstar(entry.path) ? entry.path : 'pax-long-name',
    TYPEFLAG[entry.type],
    entry.mode,
    entry.size,
    entry.linkname && fitsUstar(entry.linkname) ? entry.linkname : '',
  );
  if (!records) return main;
  const data = Buffer.from(records, 'utf8');
  return Buffer.concat([
    rawHeader('PaxHeader', 'x', 0o644, data.length),
    data,
    Buffer.alloc(padding(data.length)),
    main,
  ]);
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

/** Parses one 512-byte header; undefined for a zero block. Checks the checksum. */
export function decodeHeader(
  block: Buffer,
): { name: string; typeflag: string; mode: number; size: number; linkname: string; prefix: string } | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const stored = parseOctal(block.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  if (stored !== sum) throw new Error('tar header checksum mismatch (damaged archive)');
  const text = (start: number, length: number) => block.toString('utf8', start, start + length).replace(/\0.*$/s, '');
  return {
    name: text(0, 100),
    mode: parseOctal(block.subarray(100, 108)),
    size: parseOctal(block.subarray(124, 136)),
    typeflag: String.fromCharCode(block[156] || 0x30),
    linkname: text(157, 100),
    prefix: block.toString('binary', 257, 262) === 'ustar' ? text(345, 155) : '',
  };
}

function parseOctal(field: Buffer): number {
  const text = field
    .toString('binary')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar header has a bad number field ${JSON.stringify(text)}`);
  return text ? Number.parseInt(text, 8) : 0;
}

/** Pax records ("len key=value\n") into a map. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(data.toString('ascii', offset, space));
    if (!length || space < 0) break;
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return out;
}
