import type { MigrationFile } from '../migrations/files.ts';
import type { Statement } from '../sql/statements.ts';

export type Severity = 'error' | 'warning';

/** One linter finding, with where, why and the safe alternative. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  severity: Severity;
  /** Why this is dangerous on a live database. */
  message: string;
  /** The safe alternative. */
  fix: string;
  /** The statement's first line, for context. */
  statement?: string;
  /** Set when a `-- pilot:allow RULE reason` directive let it through (it then does not fail the lint). */
  allowed?: { reason: string };
}

/** What a rule reports; the linter adds file, line, rule and severity. */
export interface Hit {
  message: string;
  fix: string;
}

/** What a statement rule sees besides the statement. */
export interface RuleContext {
  file: MigrationFile;
  /** The statements above it in the same file. */
  before: Statement[];
}

/** A lint rule: checks one statement, or (with checkFile) the file as a whole. */
export interface Rule {
  id: string;
  severity: Severity;
  check?(statement: Statement, context: RuleContext): Hit | undefined;
  checkFile?(file: MigrationFile): Hit | undefined;
}

/** The linter's result over a set of files. */
export interface LintReport {
  files: string[];
  findings: Finding[];
  errors: number;
  warnings: number;
  allowed: number;
  ok: boolean;
}
