import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// Absolute, so scripts run from any cwd (a temp repo) still load tsx.
const TSX = import.meta.resolve('tsx');

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Pilot script (scripts/<name>.ts) as a real process, the way `pnpm <name>` does, in `cwd`. */
export function runScript(name: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): ScriptRun {
  const result = spawnSync(process.execPath, ['--import', TSX, `${REPO}scripts/${name}.ts`, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The repository root (for tests that need a folder where `@pilot/*` packages resolve). */
export const repoRoot = REPO;
