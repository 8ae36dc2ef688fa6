/**
 * Crash-safety test hook: PILOT_TEST_KILL_AT=<step name> (or `after:<step name>`) SIGKILLs this process at that
 * step boundary, the way a power cut or `kill -9` would; `during:<step name>` once the step has acted but before
 * `step.completed` is journalled. Never set outside tests.
 */
export function maybeKillAt(
  boundary: 'before' | 'during' | 'after',
  stepName: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const at = env.PILOT_TEST_KILL_AT;
  if (!at) return;
  const wanted = boundary === 'before' ? stepName : `${boundary}:${stepName}`;
  if (at === wanted) process.kill(process.pid, 'SIGKILL');
}
