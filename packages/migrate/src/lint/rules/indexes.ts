import type { Rule } from '../types.ts';
import { beginsTransaction, createdInFile, endsTransaction, needsNoTransaction } from './ast.ts';

/** CREATE INDEX without CONCURRENTLY on an existing table blocks every write while it builds. */
export const createIndexNonConcurrent: Rule = {
  id: 'create-index-non-concurrent',
  severity: 'error',
  check(s, context) {
    if (s.kind !== 'IndexStmt' || s.node.concurrent || createdInFile(s.node.relation, context)) return undefined;
    return {
      message:
        'CREATE INDEX takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the index is built',
      fix: 'CREATE INDEX CONCURRENTLY … in a file marked `-- pilot:no-transaction` (use IF NOT EXISTS so a retry is safe)',
    };
  },
};

/** DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table. */
export const dropIndexNonConcurrent: Rule = {
  id: 'drop-index-non-concurrent',
  severity: 'error',
  check(s) {
    if (s.kind !== 'DropStmt' || s.node.removeType !== 'OBJECT_INDEX' || s.node.concurrent) return undefined;
    return {
      message:
        'DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: reads and writes queue behind it (and behind any long query it waits for)',
      fix: 'DROP INDEX CONCURRENTLY IF EXISTS … in a file marked `-- pilot:no-transaction`',
    };
  },
};

/** CONCURRENTLY and VACUUM fail inside a transaction block. */
export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  check(s, context) {
    const what = needsNoTransaction(s);
    if (!what) return undefined;
    const open = context.before.reduce(
      (inside, b) => (beginsTransaction(b) ? true : endsTransaction(b) ? false : inside),
      false,
    );
    if (!open && context.file.noTransaction) return undefined;
    return {
      message: open
        ? `${what} follows an explicit BEGIN in this file: PostgreSQL refuses it inside a transaction block`
        : `${what} cannot run inside a transaction block, and this file runs in one (it is not marked \`-- pilot:no-transaction\`)`,
      fix: 'put it in its own file whose first line is `-- pilot:no-transaction` (statements then run one by one, outside a transaction)',
    };
  },
};
