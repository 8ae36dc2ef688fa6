import { FailedError } from '@pilot/core';

/** safe-migration stopped: carries what was applied and how to restore (exit 1). */
export class MigrationFailedError extends FailedError {
  readonly migration?: string;
  readonly applied: string[];
  readonly dump?: string;
  readonly restoreCommand?: string;
  constructor(
    message: string,
    details: { migration?: string; applied: string[]; dump?: string; restoreCommand?: string; cause?: unknown },
  ) {
    const restore = details.restoreCommand
      ? `\n  restore the database to before this run with the verified dump:\n    ${details.restoreCommand}\n  (or: pnpm rollback --restore-db)`
      : '';
    super(`${message}${restore}`, { cause: details.cause });
    this.migration = details.migration;
    this.applied = details.applied;
    this.dump = details.dump;
    this.restoreCommand = details.restoreCommand;
  }
}
