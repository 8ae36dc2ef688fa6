import { join } from 'node:path';
import { UsageError } from '@pilot/core';
import { git } from '../git/git.ts';
import { readManifest, readPrunedManifest } from './manifest.ts';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Checks a `--version` value: it names a folder under .pilot/releases and a git tag, so it must be plain. */
export function assertVersion(version: string, flag = '--version'): string {
  if (!VERSION.test(version))
    throw new UsageError(
      `${flag} ${JSON.stringify(version)} is not a usable release version — use letters, digits, . _ + - (e.g. v12-1a2b3c4)`,
    );
  return version;
}

/** The release version of a commit: `v<commits up to it>-<short sha>`, stable for the same commit in every environment. */
export async function versionFor(root: string, commit: string): Promise<string> {
  const count = await git(root, ['rev-list', '--count', commit]);
  return `v${count}-${commit.slice(0, 7)}`;
}

/** Releases are immutable: a version already built from another commit is refused (exit 2), before anything is locked. */
export async function assertVersionFree(releasesDir: string, version: string, commit: string): Promise<void> {
  // A pruned release keeps its manifest aside: its version stays taken (its tag and rollbacks name it).
  const existing = (await readManifest(join(releasesDir, version))) ?? (await readPrunedManifest(releasesDir, version));
  if (existing && existing.commit !== commit) {
    throw new UsageError(
      `--version ${version} already exists for commit ${existing.commit.slice(0, 12)}, not ${commit.slice(0, 12)} — releases are immutable; pick another --version (or leave it out: the default, v<count>-<sha>, names the commit)`,
    );
  }
}
