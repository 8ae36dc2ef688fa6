import { readdir } from 'node:fs/promises';
import { type EnvContext, type Logger, UsageError } from '@pilot/core';
import { loadRelease } from '../engine/setup.ts';
import { git } from '../git/git.ts';
import { tagName } from '../git/tag.ts';
import { buildRelease } from './build.ts';
import { readPrunedManifest } from './manifest.ts';
import { versionFor } from './version.ts';

/**
 * The release a `--to` names: a built release version, a version whose tag exists in this environment, or a git tag.
 * A release pruned since is built again from its tag's commit (same commit, same lockfile: the same digest).
 */
export async function resolveReleaseRef(
  ctx: EnvContext,
  ref: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<string> {
  if (await loadRelease(ctx, ref)) return ref;
  const envTag = tagName(ctx.config, ctx.envName, ref);
  const commitOf = (name: string) =>
    git(ctx.root, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`], { reject: false });
  const byVersionTag = await commitOf(envTag);
  const commit = byVersionTag || (await commitOf(ref));
  if (!commit)
    throw new UsageError(
      `--to ${JSON.stringify(ref)} is neither a built release in ${ctx.paths.releases}, nor a version tagged ${envTag}, nor a git tag — pass a version from \`pnpm pilot status\``,
    );
  for (const version of await readdir(ctx.paths.releases).catch(() => [] as string[])) {
    if ((await loadRelease(ctx, version))?.commit === commit) return version;
  }
  const version = byVersionTag ? ref : await versionFor(ctx.root, commit);
  const recorded = await readPrunedManifest(ctx.paths.releases, version);
  if (recorded && recorded.commit !== commit)
    throw new UsageError(
      `--to ${ref}: release ${version} was built from ${recorded.commit.slice(0, 12)}, but the tag names ${commit.slice(0, 12)} — the tag moved; pass the release's own tag`,
    );
  const how = recorded
    ? 'with its recorded start command and environment, checked against its recorded digest'
    : 'with the current config (no manifest was kept for it)';
  log.info(
    'release.rebuilding',
    `release ${version} is no longer on disk: building it again from ${byVersionTag ? envTag : ref} (${commit.slice(0, 12)}) ${how}`,
    { version, commit },
  );
  await buildRelease({
    root: ctx.root,
    configFile: ctx.file,
    config: ctx.config,
    releasesDir: ctx.paths.releases,
    commit,
    version,
    log,
    signal,
    recorded,
  });
  return version;
}
