// Helpers over libpg-query's JSON parse tree.
import type { Statement } from '../../sql/statements.ts';
import type { RuleContext } from '../types.ts';

// biome-ignore lint/suspicious/noExplicitAny: parse-tree nodes are untyped JSON
export type Node = any;

/** `schema.table` (or `table`) of a RangeVar. */
export function relationName(rangeVar: Node): string {
  return rangeVar?.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : (rangeVar?.relname ?? '');
}

/** The ALTER TABLE sub-commands of a statement (none for other statements). */
export function alterCommands(statement: Statement): Node[] {
  if (statement.kind !== 'AlterTableStmt' || statement.node.objtype !== 'OBJECT_TABLE') return [];
  return (statement.node.cmds ?? []).map((cmd: Node) => cmd.AlterTableCmd);
}

/** The constraints declared in an ALTER TABLE ADD COLUMN's column definition. */
export function columnConstraints(cmd: Node): Node[] {
  return (cmd.def?.ColumnDef?.constraints ?? []).map((c: Node) => c.Constraint);
}

/** True when an earlier statement of the same file created this table: it is new, empty and invisible to the service. */
export function createdInFile(rangeVar: Node, context: RuleContext): boolean {
  const name = relationName(rangeVar);
  return context.before.some(
    (s) =>
      (s.kind === 'CreateStmt' && relationName(s.node.relation) === name) ||
      (s.kind === 'CreateTableAsStmt' && relationName(s.node.into?.rel) === name),
  );
}

/** Names of every function called anywhere inside a node, lower-cased, without schema. */
export function calledFunctions(node: Node, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) calledFunctions(item, found);
  else if (node && typeof node === 'object') {
    if (node.FuncCall) found.add(String(node.FuncCall.funcname?.at(-1)?.String?.sval ?? '').toLowerCase());
    for (const value of Object.values(node)) calledFunctions(value, found);
  }
  return found;
}

/** Statements that must run outside a transaction block (CONCURRENTLY, VACUUM, …), with what they are. */
export function needsNoTransaction(statement: Statement): string | undefined {
  const { kind, node } = statement;
  if (kind === 'IndexStmt' && node.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (kind === 'DropStmt' && node.concurrent) return 'DROP INDEX CONCURRENTLY';
  if (kind === 'ReindexStmt' && (node.params ?? []).some((p: Node) => p.DefElem?.defname === 'concurrently'))
    return 'REINDEX CONCURRENTLY';
  if (kind === 'VacuumStmt') return node.is_vacuumcmd ? 'VACUUM' : undefined;
  if (kind === 'CreatedbStmt' || kind === 'DropdbStmt' || kind === 'AlterSystemStmt')
    return kind.replace('Stmt', '').toUpperCase();
  return undefined;
}

/** True for BEGIN / START TRANSACTION. */
export function beginsTransaction(statement: Statement): boolean {
  return statement.kind === 'TransactionStmt' && ['TRANS_STMT_BEGIN', 'TRANS_STMT_START'].includes(statement.node.kind);
}

/** True for COMMIT / ROLLBACK / END. */
export function endsTransaction(statement: Statement): boolean {
  return (
    statement.kind === 'TransactionStmt' && ['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK'].includes(statement.node.kind)
  );
}
