import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `<archive>.json`: what a backup holds and where it came from. */
export interface BackupMeta {
  format: 'pilot-backup/1';
  name: string;
  env?: string;
  archive: string;
  /** sha256 of the .tar.gz (also in the .sha256 sidecar). */
  sha256: string;
  /** sha256 of the uncompressed tar: checked by a full read. */
  tarSha256: string;
  files: number;
  bytes: number;
  compressedBytes: number;
  etag?: string;
  sources: string[];
  git: { commit?: string; branch?: string; tag?: string };
  created: string;
  host: string;
  tool: { name: string; version: string };
  reason?: string;
}

export async function gitInfo(cwd: string): Promise<BackupMeta['git']> {
  const git = (args: string[]) =>
    run('git', args, { cwd }).then(
      (r) => r.stdout.trim() || undefined,
      () => undefined,
    );
  const [commit, branch, tag] = await Promise.all([
    git(['rev-parse', 'HEAD']),
    git(['rev-parse', '--abbrev-ref', 'HEAD']),
    git(['describe', '--tags', '--exact-match']),
  ]);
  return { commit, branch: branch === 'HEAD' ? undefined : branch, tag };
}

export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The sidecar in GNU coreutils format, so `sha256sum -c --strict` passes from the backup folder. */
export function sha256Line(sha256: string, archiveName: string): string {
  return `${sha256}  ${archiveName}\n`;
}

/** Parses a coreutils sha256 line; undefined when malformed. */
export function parseSha256Line(text: string): { sha256: string; name: string } | undefined {
  const match = /^([0-9a-f]{64}) [ *](.+)\n?$/.exec(text);
  return match ? { sha256: match[1], name: match[2] } : undefined;
}
