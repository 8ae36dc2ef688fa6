import { PilotError, shell } from '@pilot/core';

/** Runs git with an argument array in `cwd`; a failure names the command and git's own message. */
/** Output is trimmed unless `raw` (porcelain formats whose leading space is part of the first entry). */
export async function git(
  cwd: string,
  args: string[],
  options: { signal?: AbortSignal; reject?: boolean; raw?: boolean } = {},
): Promise<string> {
  const result = await shell({
    cwd,
    nothrow: true,
    signal: options.signal,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
  })`git ${args}`;
  if (result.exitCode !== 0 && options.reject !== false) {
    const why = (result.stderr || result.stdout || `exit ${result.exitCode}`).trim().split('\n').slice(-3).join(' ');
    throw new PilotError(`git ${args.join(' ')} failed in ${cwd}: ${why}`);
  }
  return options.raw ? result.stdout.replace(/\n$/, '') : result.stdout.trim();
}

/** Paths with uncommitted changes (staged, unstaged, untracked), exactly as git names them: `git status --porcelain -z`. */
export async function dirtyPaths(cwd: string, pathspec: string[] = []): Promise<string[]> {
  const entries = (
    await git(
      cwd,
      ['status', '--porcelain', '-z', '--untracked-files=normal', ...(pathspec.length ? ['--', ...pathspec] : [])],
      { raw: true },
    )
  ).split('\0');
  const paths: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    // A rename or copy is followed by its source path, which is no entry of its own.
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return paths;
}

/** Resolves a ref to a full commit sha; a bad ref is a usage problem the caller reports. */
export async function resolveCommit(cwd: string, ref: string): Promise<string | undefined> {
  const out = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { reject: false });
  return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
}
