import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BackupMeta } from '../meta.ts';
import { sha256Line } from '../meta.ts';
import { END_OF_ARCHIVE, padding, rawHeader } from '../tar/header.ts';

export interface CraftedEntry {
  name: string;
  typeflag: string;
  data?: Buffer;
  linkname?: string;
  mode?: number;
}

/** Builds an archive with whatever entries a test wants (malicious ones included) and sidecars that verify. */
export async function craftBackup(dir: string, name: string, entries: CraftedEntry[]): Promise<string> {
  const parts: Buffer[] = [];
  let files = 0;
  let bytes = 0;
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    parts.push(
      rawHeader(e.name, e.typeflag, e.mode ?? 0o644, data.length, e.linkname ?? ''),
      data,
      Buffer.alloc(padding(data.length)),
    );
    if (e.typeflag === '0') {
      files += 1;
      bytes += data.length;
    }
  }
  parts.push(END_OF_ARCHIVE);
  const tar = Buffer.concat(parts);
  const gz = gzipSync(tar);
  const archive = join(dir, `${name}.tar.gz`);
  const sha256 = createHash('sha256').update(gz).digest('hex');
  const meta: BackupMeta = {
    format: 'pilot-backup/1',
    name,
    archive: `${name}.tar.gz`,
    sha256,
    tarSha256: createHash('sha256').update(tar).digest('hex'),
    files,
    bytes,
    compressedBytes: gz.length,
    sources: ['crafted'],
    git: {},
    created: new Date().toISOString(),
    host: 'test',
    tool: { name: 'test', version: '0' },
  };
  await writeFile(archive, gz);
  await writeFile(`${archive}.json`, JSON.stringify(meta));
  await writeFile(`${archive}.sha256`, sha256Line(sha256, `${name}.tar.gz`));
  return archive;
}
