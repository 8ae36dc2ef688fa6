import { pnpmCommand } from '@pilot/core';

/** Replaces a leading `pnpm` in a configured command with the real invocation. */
export function withPnpm(argv: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return argv[0] === 'pnpm' ? [...pnpmCommand(env), ...argv.slice(1)] : argv;
}
