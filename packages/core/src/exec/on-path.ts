import { which } from 'zx/core';

/**
 * Where a program is on PATH, or undefined: how tests, benches and the test command decide whether a tool (pg_ctl,
 * haproxy, pigz, apt-get) is here. A lookup in PATH (zx's `which`), no process started; synchronous, so a test's
 * `skip` can be decided when it is defined.
 */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return which.sync(program, { nothrow: true, path: env.PATH ?? '' }) ?? undefined;
}
