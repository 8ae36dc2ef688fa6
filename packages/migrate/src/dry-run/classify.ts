import { calledFunctions, needsNoTransaction } from '../lint/rules/ast.ts';
import type { Statement } from '../sql/statements.ts';

/** Why a statement cannot be tried inside the rolled-back dry-run transaction, or undefined when it can. */
export function notDryRunReason(statement: Statement): string | undefined {
  if (statement.kind === 'TransactionStmt')
    return 'transaction control: the dry-run is itself one transaction, rolled back';
  const outside = needsNoTransaction(statement);
  if (outside)
    return `${outside} cannot run inside a transaction block; it is linted only and runs for real outside a transaction`;
  // nextval/setval are not undone by ROLLBACK: trying them would change the live database.
  const sequence = [...calledFunctions(statement.node)].find((f) => f === 'nextval' || f === 'setval');
  if (sequence) return `calls ${sequence}(), which changes a sequence even when the transaction is rolled back`;
  return undefined;
}
