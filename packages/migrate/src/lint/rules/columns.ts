import type { Rule } from '../types.ts';
import { type Node, alterCommands, calledFunctions, columnConstraints, createdInFile, relationName } from './ast.ts';

const commandOf = (subtype: string) => (s: Parameters<NonNullable<Rule['check']>>[0]) =>
  alterCommands(s).find((c) => c.subtype === subtype);
const addColumns = (s: Parameters<NonNullable<Rule['check']>>[0]): Node[] =>
  alterCommands(s).filter((c) => c.subtype === 'AT_AddColumn');

/** SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, unless a validated CHECK proves it. */
export const setNotNull: Rule = {
  id: 'set-not-null',
  severity: 'error',
  check(s, context) {
    if (!commandOf('AT_SetNotNull')(s) || createdInFile(s.node.relation, context)) return undefined;
    // A VALIDATE CONSTRAINT above on the same table is the safe pattern: the scan is skipped (PostgreSQL ≥ 12).
    const table = relationName(s.node.relation);
    if (
      context.before.some(
        (b) =>
          relationName(b.node.relation) === table &&
          alterCommands(b).some((c) => c.subtype === 'AT_ValidateConstraint'),
      )
    )
      return undefined;
    return {
      message: 'SET NOT NULL scans every row while holding an ACCESS EXCLUSIVE lock: reads and writes wait',
      fix: 'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; later VALIDATE CONSTRAINT c; then SET NOT NULL (no scan) and DROP CONSTRAINT c',
    };
  },
};

/** ALTER COLUMN TYPE usually rewrites the table and its indexes under an ACCESS EXCLUSIVE lock. */
export const alterColumnType: Rule = {
  id: 'alter-column-type',
  severity: 'error',
  check(s, context) {
    if (!commandOf('AT_AlterColumnType')(s) || createdInFile(s.node.relation, context)) return undefined;
    return {
      message:
        'ALTER COLUMN … TYPE rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock (and breaks code reading the old type)',
      fix: 'add a new column, backfill it in batches, switch the code over, then drop the old column (allow it when the change is binary-compatible, e.g. varchar(n) → text)',
    };
  },
};

// Volatile functions force a table rewrite as a column default; stable ones such as now() are evaluated once (PostgreSQL ≥ 11).
const VOLATILE = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
]);
const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** A new column with a volatile default (or serial / identity / stored generated) rewrites the whole table. */
export const volatileDefault: Rule = {
  id: 'volatile-default',
  severity: 'error',
  check(s, context) {
    if (createdInFile(s.node.relation, context)) return undefined;
    for (const cmd of addColumns(s)) {
      const type = cmd.def?.ColumnDef?.typeName?.names?.at(-1)?.String?.sval;
      const constraints = columnConstraints(cmd);
      const volatile = constraints
        .filter((c) => c.contype === 'CONSTR_DEFAULT')
        .flatMap((c) => [...calledFunctions(c.raw_expr)].filter((f) => VOLATILE.has(f)));
      const what = volatile.length
        ? `DEFAULT ${volatile[0]}()`
        : SERIAL.has(type)
          ? type
          : constraints.some((c) => ['CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype))
            ? 'an identity or stored generated column'
            : undefined;
      if (what) {
        return {
          message: `ADD COLUMN with ${what} is computed per row: the table is rewritten under an ACCESS EXCLUSIVE lock (a constant or stable default such as now() is not)`,
          fix: 'add the column without the default (or with a constant one), SET DEFAULT for new rows, then backfill existing rows in batches',
        };
      }
    }
    return undefined;
  },
};

/** ADD COLUMN … NOT NULL without a default fails on a table that has rows. */
export const notNullWithoutDefault: Rule = {
  id: 'not-null-without-default',
  severity: 'error',
  check(s, context) {
    if (createdInFile(s.node.relation, context)) return undefined;
    const bad = addColumns(s).find((cmd) => {
      const types = columnConstraints(cmd).map((c) => c.contype);
      return (
        types.includes('CONSTR_NOTNULL') &&
        !types.some((t) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(t))
      );
    });
    if (!bad) return undefined;
    return {
      message: `ADD COLUMN ${bad.def.ColumnDef.colname} … NOT NULL without a DEFAULT fails as soon as the table has a row, and old code inserting without it breaks`,
      fix: 'ADD COLUMN … NOT NULL DEFAULT <constant> (no rewrite since PostgreSQL 11), or add it nullable, backfill, then the CHECK … NOT VALID route to NOT NULL',
    };
  },
};

/** DROP COLUMN breaks the release still running (it selects or inserts the column). */
export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'error',
  check(s) {
    const cmd = commandOf('AT_DropColumn')(s);
    if (!cmd) return undefined;
    return {
      message: `DROP COLUMN ${cmd.name} breaks the release that is still running during the deployment (and any rollback to it)`,
      fix: 'first deploy code that no longer uses the column, then drop it in a later deployment (allow it then, with the reason)',
    };
  },
};

/** RENAME COLUMN breaks the release still running. */
export const renameColumn: Rule = {
  id: 'rename-column',
  severity: 'error',
  check(s) {
    if (s.kind !== 'RenameStmt' || s.node.renameType !== 'OBJECT_COLUMN') return undefined;
    return {
      message: `RENAME COLUMN ${s.node.subname} → ${s.node.newname} breaks the release still running (and a rollback) the moment it commits`,
      fix: 'add the new column, write both, backfill, move reads, then drop the old column over several deployments',
    };
  },
};
