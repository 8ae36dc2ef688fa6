import type { MigrationFile } from './files.ts';
import type { AppliedMigration } from './table.ts';

/** Which files still need applying, and which applied ones were edited since. */
export interface PendingSplit {
  pending: MigrationFile[];
  applied: string[];
  /** Applied files whose content changed after they were applied. */
  edited: Array<{ name: string; recorded: string; actual: string }>;
}

/** Splits the files against the migrations table's rows. */
export function splitPending(
  files: readonly MigrationFile[],
  applied: ReadonlyMap<string, AppliedMigration>,
): PendingSplit {
  const split: PendingSplit = { pending: [], applied: [], edited: [] };
  for (const file of files) {
    const row = applied.get(file.name);
    if (!row) split.pending.push(file);
    else if (row.sha256 !== file.sha256)
      split.edited.push({ name: file.name, recorded: row.sha256, actual: file.sha256 });
    else split.applied.push(file.name);
  }
  return split;
}

/** The message for migrations edited after they were applied. */
export function editedMessage(edited: PendingSplit['edited'], table: string): string {
  return `${edited.map((e) => e.name).join(', ')} changed after being applied (sha256 ${edited[0].actual.slice(0, 12)}… ≠ recorded ${edited[0].recorded.slice(0, 12)}… in ${table}): restore the applied version and put the change in a new migration file`;
}
