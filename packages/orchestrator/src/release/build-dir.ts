import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, RefusedError, acquireFileLock, currentActor } from '@pilot/core';

const BUILD_DIR = /^pilot-build-([0-9a-f]{7,64})(?:\.lock)?$/;
// `.<version>.<pid>.tmp`: a release being staged by that process (cloneRelease and buildRelease); pids stay below 2^22.
const STAGE = /^\..+\.(\d{1,7})\.tmp$/;

/**
 * Claims the build folder of a commit, `<tmp>/pilot-build-<commit>/`, emptied. Its path depends on the commit only:
 * pnpm records injected workspace packages by their absolute source path, so a random temp name would give the same
 * commit a different release digest on every build (same TMPDIR, same digest). A folder left by a killed build is
 * reclaimed; while another live build of the same commit (another environment) uses it, this one waits its turn.
 */
export async function claimBuildDir(
  commit: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<{ dir: string; release(): Promise<void> }> {
  const dir = join(tmpdir(), `pilot-build-${commit}`);
  const unlock = await acquireFileLock({
    path: `${dir}.lock`,
    record: currentActor(),
    wait: true,
    busy: () => '',
    onWait: (holder) =>
      log.info(
        'build.waiting',
        `commit ${commit.slice(0, 12)} is being built by pid ${holder.pid} (${holder.command}): waiting for it to finish`,
        { pid: holder.pid },
      ),
    signal,
  });
  if (unlock === 'done') throw new Error('unreachable: a build folder lock has no isDone');
  await rm(dir, { recursive: true, force: true });
  return {
    dir,
    async release() {
      await rm(dir, { recursive: true, force: true });
      await unlock();
    },
  };
}

/**
 * Removes what killed builds left: `<tmp>/pilot-build-<commit>/` folders (and their locks) whose lock holder is dead —
 * taken through the same lock a build takes, so a live build, of any commit, is never touched. Returns the commits.
 */
export async function removeStaleBuildDirs(log: Logger, tmp = tmpdir()): Promise<string[]> {
  const commits = new Set(
    (await readdir(tmp).catch(() => [] as string[]))
      .map((name) => BUILD_DIR.exec(name)?.[1])
      .filter((c): c is string => Boolean(c)),
  );
  const removed: string[] = [];
  for (const commit of commits) {
    const dir = join(tmp, `pilot-build-${commit}`);
    let unlock: 'done' | (() => Promise<void>);
    try {
      unlock = await acquireFileLock({
        path: `${dir}.lock`,
        record: currentActor(),
        wait: false,
        busy: () => 'a live build holds it',
      });
    } catch (error) {
      if (error instanceof RefusedError) continue;
      throw error;
    }
    if (unlock === 'done') continue;
    try {
      await rm(dir, { recursive: true, force: true });
      removed.push(commit);
    } finally {
      await unlock();
    }
  }
  if (removed.length)
    log.info(
      'build.stale-removed',
      `removed build folders left by killed builds: ${removed.map((c) => `pilot-build-${c.slice(0, 12)}`).join(', ')}`,
      { removed },
    );
  return removed;
}

/** Removes `.<version>.<pid>.tmp` stages in the releases folder whose process is gone (a build or clone killed midway). */
export async function removeStaleStages(releasesDir: string, log: Logger): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(releasesDir).catch(() => [] as string[])) {
    const pid = STAGE.exec(name)?.[1];
    if (!pid || processExists(Number(pid))) continue;
    await rm(join(releasesDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length)
    log.info('build.stale-removed', `removed release stages left by killed builds: ${removed.join(', ')}`, { removed });
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
