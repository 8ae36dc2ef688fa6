import { PilotError, type PilotConfig } from '@pilot/core';
import { git } from './git.ts';

/** The tag of a release in an environment, from `git.tagPattern` (default `{service}-{env}-{version}`). */
export function tagName(config: PilotConfig, env: string, version: string): string {
  return config.git.tagPattern
    .replaceAll('{service}', config.service.name)
    .replaceAll('{env}', env)
    .replaceAll('{version}', version);
}

/** The commit a tag points at, or undefined when there is no such tag. */
export async function tagCommit(root: string, name: string): Promise<string | undefined> {
  return (
    (await git(root, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], { reject: false })) ||
    undefined
  );
}

/** Creates an annotated tag; an existing tag on the same commit is kept (a resumed run), one elsewhere is refused. */
export async function createTag(
  root: string,
  name: string,
  commit: string,
  message: string,
): Promise<'created' | 'exists'> {
  const existing = await tagCommit(root, name);
  if (existing) {
    if (existing === commit) return 'exists';
    throw new PilotError(
      `tag ${name} already points at ${existing.slice(0, 12)}, not ${commit.slice(0, 12)} — pick another --version or change git.tagPattern`,
    );
  }
  await git(root, ['tag', '-a', name, commit, '-m', message]);
  return 'created';
}

export async function pushTag(root: string, remote: string, name: string, signal?: AbortSignal): Promise<void> {
  await git(root, ['push', '--quiet', remote, `refs/tags/${name}`], { signal });
}

/** Deletes a tag this deployment created (aborted before it was validated), locally and on the remote it was pushed to. */
export async function deleteTag(root: string, name: string, remote?: string): Promise<void> {
  await git(root, ['tag', '-d', name], { reject: false });
  if (remote) await git(root, ['push', '--quiet', remote, `:refs/tags/${name}`], { reject: false });
}
