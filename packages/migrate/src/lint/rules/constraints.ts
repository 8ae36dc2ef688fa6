import type { Rule } from '../types.ts';
import { type Node, alterCommands, columnConstraints, createdInFile, relationName } from './ast.ts';

const addedConstraints = (cmds: Node[]): Node[] =>
  cmds.filter((c) => c.subtype === 'AT_AddConstraint').map((c) => c.def?.Constraint);

/** ADD CONSTRAINT FOREIGN KEY / CHECK without NOT VALID scans the table under a lock that blocks writes. */
export const constraintNotValid: Rule = {
  id: 'constraint-not-valid',
  severity: 'error',
  check(s, context) {
    if (createdInFile(s.node.relation, context)) return undefined;
    const bad = addedConstraints(alterCommands(s)).find(
      (c) => ['CONSTR_FOREIGN', 'CONSTR_CHECK'].includes(c?.contype) && !c.skip_validation,
    );
    if (!bad) return undefined;
    const kind = bad.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK';
    return {
      message: `ADD CONSTRAINT … ${kind} checks every existing row while holding a lock that blocks writes${kind === 'FOREIGN KEY' ? ' (on both tables)' : ''}`,
      fix: `ADD CONSTRAINT … ${kind} … NOT VALID in one migration, then ALTER TABLE … VALIDATE CONSTRAINT … in a later one (validation takes a lock that allows reads and writes)`,
    };
  },
};

/** VALIDATE in the same transaction as its ADD … NOT VALID keeps the ADD's ACCESS EXCLUSIVE lock during the scan. */
export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  severity: 'error',
  check(s, context) {
    if (context.file.noTransaction) return undefined;
    const validated = alterCommands(s)
      .filter((c) => c.subtype === 'AT_ValidateConstraint')
      .map((c) => c.name);
    const table = relationName(s.node.relation);
    const added = context.before.flatMap((b) =>
      relationName(b.node.relation) === table ? addedConstraints(alterCommands(b)).map((c) => c?.conname) : [],
    );
    const name = validated.find((v) => added.includes(v));
    if (!name) return undefined;
    return {
      message: `VALIDATE CONSTRAINT ${name} runs in the same transaction as its ADD … NOT VALID, whose ACCESS EXCLUSIVE lock is held until commit: the scan blocks reads and writes`,
      fix: 'move the VALIDATE CONSTRAINT to a later migration file (or a `-- pilot:no-transaction` file)',
    };
  },
};

/** ADD UNIQUE / PRIMARY KEY builds its index under a lock that blocks writes. */
export const uniqueNotUsingIndex: Rule = {
  id: 'unique-not-using-index',
  severity: 'error',
  check(s, context) {
    if (createdInFile(s.node.relation, context)) return undefined;
    const cmds = alterCommands(s);
    const constraints = [
      ...addedConstraints(cmds),
      ...cmds.filter((c) => c.subtype === 'AT_AddColumn').flatMap(columnConstraints),
    ];
    const bad = constraints.find((c) => ['CONSTR_UNIQUE', 'CONSTR_PRIMARY'].includes(c?.contype) && !c.indexname);
    if (!bad) return undefined;
    const kind = bad.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
    return {
      message: `ADD ${kind} builds its index while holding an ACCESS EXCLUSIVE lock: the table is unavailable for the whole build`,
      fix: `CREATE UNIQUE INDEX CONCURRENTLY idx … (in a \`-- pilot:no-transaction\` file), then ALTER TABLE … ADD CONSTRAINT … ${kind} USING INDEX idx`,
    };
  },
};
