import type { Rule } from '../types.ts';
import { beginsTransaction, endsTransaction } from './ast.ts';

/** RENAME TABLE breaks the release still running. */
export const renameTable: Rule = {
  id: 'rename-table',
  severity: 'error',
  check(s) {
    if (s.kind !== 'RenameStmt' || s.node.renameType !== 'OBJECT_TABLE') return undefined;
    return {
      message: `RENAME TABLE ${s.node.relation?.relname} → ${s.node.newname} breaks every query of the release still running (and a rollback)`,
      fix: 'create the new table (or a view with the new name), move the code over, then drop the old one in a later deployment',
    };
  },
};

/** DROP TABLE breaks the release still running and loses data a rollback would need. */
export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'error',
  check(s) {
    if (s.kind !== 'DropStmt' || s.node.removeType !== 'OBJECT_TABLE') return undefined;
    return {
      message: 'DROP TABLE breaks the release still running and a rollback to it, and its data is gone',
      fix: 'stop using the table in one deployment, drop it in a later one (allow it then, with the reason)',
    };
  },
};

/** VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock. */
export const vacuumFull: Rule = {
  id: 'vacuum-full',
  severity: 'error',
  check(s) {
    const full =
      s.kind === 'VacuumStmt' &&
      (s.node.options ?? []).some(
        (o: { DefElem?: { defname?: string; arg?: unknown } }) =>
          o.DefElem?.defname === 'full' && o.DefElem.arg === undefined,
      );
    if (!full) return undefined;
    return {
      message:
        'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite',
      fix: 'plain VACUUM (no lock on reads or writes), or pg_repack / pg_squeeze to shrink the table online',
    };
  },
};

/** CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock. */
export const cluster: Rule = {
  id: 'cluster',
  severity: 'error',
  check(s) {
    if (s.kind !== 'ClusterStmt') return undefined;
    return {
      message: 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite',
      fix: 'pg_repack --order-by, outside the migration, or leave the physical order alone',
    };
  },
};

/** BEGIN / COMMIT in a transactional file would commit before pilot records the migration (one finding per BEGIN, or per stray COMMIT). */
export const explicitTransaction: Rule = {
  id: 'explicit-transaction',
  severity: 'error',
  check(s, context) {
    if (
      context.file.noTransaction ||
      !(beginsTransaction(s) || (endsTransaction(s) && !context.before.some(beginsTransaction)))
    )
      return undefined;
    return {
      message:
        'pilot runs each migration in its own transaction and records it in that transaction: a BEGIN/COMMIT in the file breaks that (a COMMIT commits half a migration)',
      fix: 'remove BEGIN/COMMIT; for statements that must run outside a transaction, use a file marked `-- pilot:no-transaction`',
    };
  },
};
