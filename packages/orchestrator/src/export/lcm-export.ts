import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BackupMeta, END_OF_ARCHIVE, encodeHeader, padding, sha256Line } from '@pilot/backup';
import {
  type LoadedConfig,
  type Redactor,
  fsyncDir,
  maskCredentialValue,
  maskCredentials,
  writeFileAtomic,
} from '@pilot/core';
import { type ExportFile, collectExport } from './collect.ts';

export interface LcmExportOptions {
  loaded: LoadedConfig;
  state: string;
  out: string;
  env?: string;
  sinceMs?: number;
  /** The config's secrets (the logger's redactor, taught by openEnv): masked wherever they appear. */
  redactor: Redactor;
}

export interface LcmExportResult {
  path: string;
  sha256: string;
  files: { path: string; sha256: string; bytes: number }[];
}

/** Masks secrets once more (the journal is masked already): known values, URL passwords, tokens, secret-named JSON fields. */
function maskFile(file: ExportFile, redactor: Redactor): ExportFile {
  const text = file.data.toString('utf8');
  const mask = (s: string) => maskCredentials(redactor.text(s));
  if (!/\.(jsonl|json)$/.test(file.path)) return { path: file.path, data: Buffer.from(mask(text)) };
  const lines = text.split('\n').map((line) => {
    try {
      const value = JSON.parse(line);
      const masked = redactor.value(maskCredentialValue(value));
      return JSON.stringify(masked) === JSON.stringify(value) ? mask(line) : mask(JSON.stringify(masked));
    } catch {
      return mask(line);
    }
  });
  return { path: file.path, data: Buffer.from(lines.join('\n')) };
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Writes the lifecycle export: a reproducible .tar.gz (sorted paths, mtime 0, owner 0, fixed modes; gzip without a
 * time) holding the collected files and MANIFEST.sha256, with the `.sha256` and `.json` sidecars of a backup so
 * `pnpm backup-dhash verify` checks it. The archive is written under a temp name and renamed last.
 */
export async function writeLcmExport(o: LcmExportOptions): Promise<LcmExportResult> {
  const collected = (await collectExport(o))
    .map((f) => maskFile(f, o.redactor))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const listed = collected.map((f) => ({ path: f.path, sha256: sha256(f.data), bytes: f.data.length }));
  const manifest = Buffer.from(listed.map((f) => `${f.sha256}  ${f.path}`).join('\n') + (listed.length ? '\n' : ''));
  const entries = [{ path: 'MANIFEST.sha256', data: manifest }, ...collected];
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(
      encodeHeader({ path: entry.path, type: 'file', mode: 0o644, size: entry.data.length }),
      entry.data,
      Buffer.alloc(padding(entry.data.length)),
    );
  }
  blocks.push(END_OF_ARCHIVE);
  const tar = Buffer.concat(blocks);
  const gz = gzipSync(tar, { level: 9 });
  const digest = sha256(gz);
  const name = basename(o.out);
  await mkdir(dirname(o.out), { recursive: true });
  const temp = join(dirname(o.out), `.${name}.partial`);
  try {
    await writeFile(temp, gz, { mode: 0o600 });
    const meta: BackupMeta = {
      format: 'pilot-backup/1',
      name: 'lcm-export',
      env: o.env,
      archive: name,
      sha256: digest,
      tarSha256: sha256(tar),
      files: entries.length,
      bytes: entries.reduce((sum, e) => sum + e.data.length, 0),
      compressedBytes: gz.length,
      sources: [...new Set(collected.map((f) => f.path.split('/')[0]))],
      git: {},
      created: new Date().toISOString(),
      host: hostname(),
      tool: { name: 'pilot lcm-export', version: '1' },
      reason: `lifecycle export${o.env ? ` of ${o.env}` : ''}${o.sinceMs !== undefined ? ` since ${new Date(o.sinceMs).toISOString()}` : ''}`,
    };
    await writeFileAtomic(`${o.out}.json`, `${JSON.stringify(meta, null, 2)}\n`);
    await writeFileAtomic(`${o.out}.sha256`, sha256Line(digest, name));
    await rename(temp, o.out);
    await fsyncDir(dirname(o.out));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { path: o.out, sha256: digest, files: listed };
}
