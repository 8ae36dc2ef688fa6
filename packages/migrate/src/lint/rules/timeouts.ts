import type { MigrationFile } from '../../migrations/files.ts';
import type { Rule } from '../types.ts';

// Statements that wait for (and then hold) a strong lock: the ones a missing lock_timeout makes dangerous.
const LOCKING = new Set([
  'AlterTableStmt',
  'DropStmt',
  'RenameStmt',
  'IndexStmt',
  'LockStmt',
  'ClusterStmt',
  'TruncateStmt',
  'VacuumStmt',
  'CreateTrigStmt',
  'AlterEnumStmt',
]);

const sets = (file: MigrationFile, name: string) =>
  file.statements.some((s) => s.kind === 'VariableSetStmt' && s.node.name === name && s.node.kind === 'VAR_SET_VALUE');

/**
 * A file that takes locks without setting lock_timeout / statement_timeout. Only a warning: safe-migration and the
 * dry-run always set both from config (`migrations.lockTimeout`, `statementTimeout`); the file is unsafe when run by hand.
 */
export const missingTimeouts: Rule = {
  id: 'missing-timeouts',
  severity: 'warning',
  checkFile(file) {
    if (!file.statements.some((s) => LOCKING.has(s.kind))) return undefined;
    const missing = ['lock_timeout', 'statement_timeout'].filter((name) => !sets(file, name));
    if (missing.length === 0) return undefined;
    return {
      message: `sets no ${missing.join(' / ')}: pilot sets them from config, but run by hand (psql) a statement waiting for a lock queues every query on the table behind it`,
      fix: `start the file with ${missing.map((m) => `SET ${m} = '${m === 'lock_timeout' ? '5s' : '60s'}';`).join(' ')}`,
    };
  },
};
