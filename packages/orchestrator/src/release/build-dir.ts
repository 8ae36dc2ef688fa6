import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, RefusedError, actorLiveness, createExclusive, currentActor } from '@pilot/core';

/**
 * Claims the build folder of a commit, `<tmp>/pilot-build-<commit>/`, emptied. Its path depends on the commit only:
 * pnpm records injected workspace packages by their absolute source path, so a random temp name would give the same
 * commit a different release digest on every build. A folder left by a killed build is reclaimed; one in use by a
 * live build of the same commit (another environment) is refused.
 */
export async function claimBuildDir(commit: string): Promise<{ dir: string; release(): Promise<void> }> {
  const dir = join(tmpdir(), `pilot-build-${commit}`);
  const lock = `${dir}.lock`;
  for (let attempt = 0; !(await createExclusive(lock, JSON.stringify(currentActor()))); attempt++) {
    const holder = await readHolder(lock);
    if (holder && actorLiveness(holder) !== 'dead') {
      throw new RefusedError(`commit ${commit.slice(0, 12)} is being built by another process (pid ${holder.pid}, ${holder.command}) in ${dir} — wait for it to finish, then run pilot again`);
    }
    if (attempt > 2) throw new RefusedError(`cannot claim the build folder ${dir}: ${lock} keeps reappearing — remove it if no build is running`);
    await rm(lock, { force: true });
  }
  await rm(dir, { recursive: true, force: true });
  return {
    dir,
    async release() {
      await rm(dir, { recursive: true, force: true });
      await rm(lock, { force: true });
    },
  };
}

async function readHolder(lock: string): Promise<Actor | undefined> {
  try {
    return JSON.parse(await readFile(lock, 'utf8')) as Actor;
  } catch {
    // A torn or vanished record: treat the folder as abandoned.
    return undefined;
  }
}
