import { FailedError, shell } from '@pilot/core';

/** The environment without npm_execpath: cyclonedx-npm runs `npm ls` and must not be pointed at pnpm. */
export function envWithoutPnpm(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { npm_execpath: _, ...rest } = env;
  return rest;
}

/** Runs a command (argument array), returns stdout; a failure names the command and the end of its output. */
export async function runTool(
  argv: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; what: string },
): Promise<string> {
  const r = await shell({
    cwd: o.cwd,
    env: o.env ?? process.env,
    inheritEnv: false,
    nothrow: true,
    signal: o.signal,
    stdio: ['ignore', 'pipe', 'pipe'],
  })`${argv}`;
  if (o.signal?.aborted) throw new FailedError(`${o.what} was interrupted`);
  if (r.exitCode !== 0) {
    const tail = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-12).join('\n');
    throw new FailedError(
      `${o.what} failed: \`${argv.join(' ')}\` exited ${r.exitCode ?? r.signal} in ${o.cwd}:\n${tail}`,
    );
  }
  return r.stdout;
}
