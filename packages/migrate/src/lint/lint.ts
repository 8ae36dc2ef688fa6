import { type MigrationFile, readMigrations } from '../migrations/files.ts';
import { RULES } from './rules/index.ts';
import type { Finding, LintReport } from './types.ts';

const RULE_IDS = new Set(RULES.map((r) => r.id));

/** Lints the `*.sql` files of `dir` (all of them, only the names in `only`, or all but those in `except`). */
export async function lintMigrations(o: {
  dir: string;
  only?: readonly string[];
  except?: ReadonlySet<string>;
}): Promise<LintReport> {
  const files = (await readMigrations(o.dir)).filter(
    (f) => (!o.only || o.only.includes(f.name)) && !o.except?.has(f.name),
  );
  return lintFiles(files);
}

/** Lints already-read migration files. */
export function lintFiles(files: readonly MigrationFile[]): LintReport {
  const findings = files.flatMap(lintFile);
  const active = findings.filter((f) => !f.allowed);
  const errors = active.filter((f) => f.severity === 'error').length;
  return {
    files: files.map((f) => f.name),
    findings,
    errors,
    warnings: active.length - errors,
    allowed: findings.length - active.length,
    ok: errors === 0,
  };
}

function lintFile(file: MigrationFile): Finding[] {
  if (file.syntaxError) {
    return [
      {
        file: file.name,
        line: file.syntaxError.line,
        rule: 'syntax-error',
        severity: 'error',
        message: file.syntaxError.message,
        fix: 'fix the SQL (checked with the PostgreSQL 17 parser)',
      },
    ];
  }
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const hit = rule.checkFile?.(file);
    if (hit) findings.push({ file: file.name, line: 1, rule: rule.id, severity: rule.severity, ...hit });
  }
  file.statements.forEach((statement, index) => {
    const context = { file, before: file.statements.slice(0, index) };
    const snippet = statement.sql.split('\n')[0].slice(0, 80);
    for (const rule of RULES) {
      const hit = rule.check?.(statement, context);
      if (!hit) continue;
      const reason = statement.allows.get(rule.id);
      findings.push({
        file: file.name,
        line: statement.line,
        rule: rule.id,
        severity: rule.severity,
        ...hit,
        statement: snippet,
        ...(reason !== undefined && { allowed: { reason } }),
      });
    }
    for (const id of statement.allows.keys()) {
      if (!RULE_IDS.has(id))
        findings.push({
          file: file.name,
          line: statement.line - 1,
          rule: 'unknown-allow',
          severity: 'warning',
          message: `pilot:allow names an unknown rule "${id}"`,
          fix: `use one of: ${[...RULE_IDS].join(', ')}`,
          statement: snippet,
        });
    }
  });
  return findings.sort((a, b) => a.line - b.line);
}
