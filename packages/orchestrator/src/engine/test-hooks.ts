/**
 * Crash-safety test hook: PILOT_TEST_KILL_AT=<step name> (or `after:<step name>`) SIGKILLs this process at that
 * step boundary, the way a power cut or `kill -9` would. Never set outside tests.
 */
export function maybeKillAt(boundary: 'before' | 'after', stepName: string, env: NodeJS.ProcessEnv = process.env): void {
  const at = env.PILOT_TEST_KILL_AT;
  if (!at) return;
  const wanted = boundary === 'before' ? stepName : `after:${stepName}`;
  if (at === wanted) process.kill(process.pid, 'SIGKILL');
}
