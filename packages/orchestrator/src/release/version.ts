import { UsageError } from '@pilot/core';
import { git } from '../git/git.ts';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Checks a `--version` value: it names a folder under .pilot/releases and a git tag, so it must be plain. */
export function assertVersion(version: string, flag = '--version'): string {
  if (!VERSION.test(version)) throw new UsageError(`${flag} ${JSON.stringify(version)} is not a usable release version — use letters, digits, . _ + - (e.g. v12-1a2b3c4)`);
  return version;
}

/** The release version of a commit: `v<commits up to it>-<short sha>`, stable for the same commit in every environment. */
export async function versionFor(root: string, commit: string): Promise<string> {
  const count = await git(root, ['rev-list', '--count', commit]);
  return `v${count}-${commit.slice(0, 7)}`;
}
