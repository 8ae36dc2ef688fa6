import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, acquireFileLock, currentActor } from '@pilot/core';

/**
 * Claims the build folder of a commit, `<tmp>/pilot-build-<commit>/`, emptied. Its path depends on the commit only:
 * pnpm records injected workspace packages by their absolute source path, so a random temp name would give the same
 * commit a different release digest on every build (same TMPDIR, same digest). A folder left by a killed build is
 * reclaimed; while another live build of the same commit (another environment) uses it, this one waits its turn.
 */
export async function claimBuildDir(commit: string, log: Logger, signal?: AbortSignal): Promise<{ dir: string; release(): Promise<void> }> {
  const dir = join(tmpdir(), `pilot-build-${commit}`);
  const unlock = await acquireFileLock({
    path: `${dir}.lock`,
    record: currentActor(),
    wait: true,
    busy: () => '',
    onWait: (holder) => log.info('build.waiting', `commit ${commit.slice(0, 12)} is being built by pid ${holder.pid} (${holder.command}): waiting for it to finish`, { pid: holder.pid }),
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
