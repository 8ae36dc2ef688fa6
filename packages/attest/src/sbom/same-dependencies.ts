import { FailedError, type Logger, shell } from '@pilot/core';

/**
 * The SBOM is made from the working tree; it describes the release only if the tree's dependency manifests are those
 * of the release's commit. A release built from another `--ref` (or a tree edited since) is refused, not misdescribed.
 */
export async function assertSameDependencies(root: string, commit: string | undefined, log: Logger): Promise<void> {
  if (!commit) return;
  const diff = await shell({
    cwd: root,
    nothrow: true,
  })`git diff --quiet ${commit} -- pnpm-lock.yaml ${':(glob)**/package.json'}`;
  if (diff.exitCode === 0) return;
  if (diff.exitCode === 1) {
    throw new FailedError(
      `the working tree's package.json files or pnpm-lock.yaml differ from the release's commit ${commit.slice(0, 12)}, so its SBOM would describe other dependencies — check out ${commit.slice(0, 12)} (or attest right after pilot builds the release) and run pnpm attest again`,
    );
  }
  log.warn(
    'attest.sbom.unchecked',
    `cannot compare the working tree with the release's commit ${commit.slice(0, 12)} (${String(diff.stderr).trim().split('\n')[0]}); the SBOM is made from the working tree`,
  );
}
