import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedError, UsageError, stateDir, statePaths } from '@pilot/core';

/** The fields of `.pilot/releases/<version>/manifest.json` that attestation uses (written by the orchestrator). */
export interface ReleaseManifest {
  version: string;
  commit: string;
  created: string;
  configHash?: string;
  etag?: string;
  digest?: string;
}

/** A built release: its manifest, its archive `<version>.tar.gz` and the archive's sha256 (the thing that is signed). */
export interface ReleaseRef {
  version: string;
  manifest: ReleaseManifest;
  archive: string;
  /** `sha256:<hex>` of the archive, computed now. */
  digest: string;
}

/** `sha256:<hex>` of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function readReleaseManifest(dir: string): Promise<ReleaseManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ReleaseManifest;
  } catch {
    return undefined;
  }
}

/** The newest complete release (by manifest `created`), or undefined. */
export async function newestRelease(root: string): Promise<string | undefined> {
  const dir = statePaths(stateDir(root)).releases;
  const names = existsSync(dir)
    ? (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
    : [];
  const manifests = (await Promise.all(names.map((n) => readReleaseManifest(join(dir, n))))).filter(
    (m) => m !== undefined,
  );
  return manifests.sort((a, b) => b.created.localeCompare(a.created))[0]?.version;
}

/** Finds a release and hashes its archive; a missing release or archive, or a digest that changed since the build, is an error. */
export async function findRelease(root: string, version?: string): Promise<ReleaseRef> {
  const paths = statePaths(stateDir(root));
  const chosen = version ?? (await newestRelease(root));
  if (!chosen)
    throw new UsageError(
      `no release under ${paths.releases} — build one first (\`pnpm pilot deploy\` builds it), or pass --release V`,
    );
  const manifest = await readReleaseManifest(paths.release(chosen));
  if (!manifest)
    throw new UsageError(
      `--release ${JSON.stringify(chosen)}: no release at ${paths.release(chosen)} (no manifest.json) — pick one of: ${(await readdir(paths.releases).catch(() => [])).filter((n) => !n.endsWith('.tar.gz') && !n.startsWith('.')).join(', ') || 'none'}`,
    );
  const archive = join(paths.releases, `${chosen}.tar.gz`);
  if (!existsSync(archive))
    throw new FailedError(
      `release ${chosen} has no archive ${archive} — only releases built with an archive can be attested; rebuild it`,
    );
  const digest = await sha256File(archive);
  if (manifest.digest && manifest.digest !== digest) {
    throw new FailedError(
      `release ${chosen}: its archive hashes to ${digest}, but the release was built as ${manifest.digest} — the archive changed after the build; rebuild the release`,
    );
  }
  return { version: chosen, manifest, archive, digest };
}
