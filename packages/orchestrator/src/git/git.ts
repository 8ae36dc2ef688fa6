import { execa } from 'execa';
import { PilotError } from '@pilot/core';

/** Runs git with an argument array in `cwd`; a failure names the command and git's own message. */
export async function git(cwd: string, args: string[], options: { signal?: AbortSignal; reject?: boolean } = {}): Promise<string> {
  const result = await execa('git', args, { cwd, reject: false, cancelSignal: options.signal, env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' } });
  if (result.exitCode !== 0 && options.reject !== false) {
    const why = (result.stderr || result.stdout || `exit ${result.exitCode}`).toString().trim().split('\n').slice(-3).join(' ');
    throw new PilotError(`git ${args.join(' ')} failed in ${cwd}: ${why}`);
  }
  return String(result.stdout).trim();
}

/** Resolves a ref to a full commit sha; a bad ref is a usage problem the caller reports. */
export async function resolveCommit(cwd: string, ref: string): Promise<string | undefined> {
  const out = await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { reject: false });
  return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
}
