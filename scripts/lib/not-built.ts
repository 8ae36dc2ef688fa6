import { UsageError, defineCommand } from '@pilot/core';

/** A command whose issue has not landed yet: says so and exits 2, never pretends. */
export function notBuiltYet(name: string, what: string) {
  return defineCommand({
    name,
    summary: `${what} (not built yet)`,
    flags: {},
    async run() {
      throw new UsageError(
        `${name} is not built yet — ${what} lands with its issue; see README.md#commands for what works today`,
      );
    },
  });
}
