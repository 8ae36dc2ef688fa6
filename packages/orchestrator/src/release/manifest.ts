import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Release, writeFileAtomic } from '@pilot/core';

/** `.pilot/releases/<version>/manifest.json`, as agreed with the router (which runs `start` in `app/` with `env`). */
export interface ReleaseManifest {
  version: string;
  commit: string;
  etag?: string;
  created: string;
  configHash: string;
  start: string[];
  /** A value, or `{ fromEnv }`: a variable the router passes through from its own environment (never written here). */
  env: Record<string, string | { fromEnv: string }>;
  digest?: string;
}

export async function readManifest(releaseDir: string): Promise<ReleaseManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(releaseDir, 'manifest.json'), 'utf8')) as ReleaseManifest;
  } catch {
    return undefined;
  }
}

/** Where the manifest of a pruned release is kept: a rebuild from its tag starts it the same way and must match its digest. */
export const prunedManifest = (releasesDir: string, version: string) => join(releasesDir, '.pruned', `${version}.json`);

/** The manifest of a pruned release, if one was kept. */
export async function readPrunedManifest(releasesDir: string, version: string): Promise<ReleaseManifest | undefined> {
  try {
    return JSON.parse(await readFile(prunedManifest(releasesDir, version), 'utf8')) as ReleaseManifest;
  } catch {
    return undefined;
  }
}

export async function writeManifest(releaseDir: string, manifest: ReleaseManifest): Promise<void> {
  await writeFileAtomic(join(releaseDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The driver-facing Release for a built release folder. */
export function releaseOf(releaseDir: string, manifest: ReleaseManifest): Release {
  return {
    version: manifest.version,
    dir: join(releaseDir, 'app'),
    commit: manifest.commit,
    etag: manifest.etag,
    digest: manifest.digest,
    createdAt: manifest.created,
  };
}
