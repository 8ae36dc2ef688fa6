import { UsageError, shell } from '@pilot/core';
import { LEDGER_FILE, type Ledger, parseLedger } from './ledger-file.ts';

/** The ledger as committed on the base branch, or why there is none to compare with. */
export type BaseLedger = { ref: string; ledger: Ledger } | { ref?: string; missing: string };

async function git(cwd: string, args: string[]) {
  const out = await shell({ cwd, nothrow: true })`git ${args}`;
  return { exitCode: out.exitCode, stdout: out.stdout.replace(/\n$/, '') };
}

async function refExists(cwd: string, ref: string): Promise<boolean> {
  const { exitCode } = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return exitCode === 0;
}

/**
 * Reads `etags.json` from the base branch: `ref` if given (it must exist), else origin/main, else main.
 * `root` is the folder holding the ledger; the path is given relative to it so nested repos work.
 */
export async function readBaseLedger(root: string, ref?: string): Promise<BaseLedger> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']);
  if (inside.exitCode !== 0 || inside.stdout !== 'true') {
    if (ref)
      throw new UsageError(
        `--base ${ref}: ${root} is not in a git work tree — drop --base or run inside the repository`,
      );
    return { missing: 'not a git work tree' };
  }
  let chosen = ref;
  if (chosen) {
    if (!(await refExists(root, chosen))) {
      throw new UsageError(
        `--base ${JSON.stringify(chosen)} is not a commit in this repository — fetch it (git fetch origin main) or name another ref`,
      );
    }
  } else {
    for (const candidate of ['origin/main', 'main']) {
      if (await refExists(root, candidate)) {
        chosen = candidate;
        break;
      }
    }
    if (!chosen) return { missing: 'neither origin/main nor main exists' };
  }
  const shown = await git(root, ['show', `${chosen}:./${LEDGER_FILE}`]);
  if (shown.exitCode !== 0) return { ref: chosen, missing: `${chosen} has no ${LEDGER_FILE}` };
  return { ref: chosen, ledger: parseLedger(shown.stdout, `${chosen}:${LEDGER_FILE}`) };
}
