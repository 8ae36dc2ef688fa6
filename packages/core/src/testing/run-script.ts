import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandLine } from '../exec/shell.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// The launcher `pnpm <name>` runs: the script as compiled JavaScript.
const CLI = `${REPO}scripts/cli.mjs`;

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Pilot script (scripts/<name>.ts) as a real process, the way `pnpm <name>` does, in `cwd`. Synchronous (so
 * spawnSync, not the shell): tests across the packages call it without await, the analysis and gate tests among them.
 */
export function runScript(
  name: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): ScriptRun {
  const result = spawnSync(process.execPath, [CLI, name, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** node's arguments for `pnpm <name>` (the compiled launcher): under tsx each start cost ~1 s more CPU. */
export const cliArgv = (name: string) => [CLI, name];

/** The repository root (for tests that need a folder where `@pilot/*` packages resolve). */
export const repoRoot = REPO;

/** Is util-linux `script` here to give a command a real pseudo-terminal? */
export const terminalAvailable = existsSync('/usr/bin/script');

/**
 * Runs a Pilot script under a real pseudo-terminal (util-linux `script`), as an operator at a terminal would: stdout
 * and stderr are the terminal, so `output` is both, with the control codes written. NO_COLOR and PILOT_LOG_FORMAT are
 * unset unless `env` sets them.
 */
export function runInTerminal(
  name: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): { status: number | null; output: string } {
  // `script -c` takes one command line: zx's quoting of each word, as the shell would run it.
  const command = commandLine`${[process.execPath, CLI, name, ...args]}`;
  const { NO_COLOR: _noColor, PILOT_LOG_FORMAT: _format, ...inherited } = process.env;
  const result = spawnSync('/usr/bin/script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...inherited, TERM: 'xterm', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, output: result.stdout };
}
