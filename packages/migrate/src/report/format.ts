import type { SafeMigrateResult } from '../apply/safe-migrate.ts';
import type { DryRunReport } from '../dry-run/dry-run.ts';
import type { LintReport } from '../lint/types.ts';

/** The linter's summary table: file, line, severity, rule, message, with the safe alternative below each row. */
export function formatLintReport(report: LintReport): string {
  const rows = report.findings.map((f) => [
    f.file,
    String(f.line),
    f.allowed ? 'allowed' : f.severity,
    f.rule,
    f.message,
  ]);
  const header = ['FILE', 'LINE', 'SEVERITY', 'RULE', 'MESSAGE'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ');
  const indent = ' '.repeat(widths.reduce((a, b) => a + b + 2, 0));
  const lines = report.findings.flatMap((f, i) => [
    pad(rows[i]),
    `${indent}→ ${f.allowed ? `allowed: ${f.allowed.reason || '(no reason given)'}` : f.fix}`,
  ]);
  const summary = `${report.files.length} file(s): ${report.errors} error(s), ${report.warnings} warning(s), ${report.allowed} allowed`;
  return [...(lines.length ? [pad(header), ...lines] : ['no findings']), summary].join('\n');
}

/** The dry-run's per-migration outcome, with what could not be dry-run. */
export function formatDryRun(report: DryRunReport): string {
  const lines = [
    `dry-run on $${report.database} (one transaction, rolled back): ${report.pending.length} pending, ${report.applied.length} applied`,
  ];
  for (const e of report.edited)
    lines.push(
      `  ✗ ${e.name}: edited after it was applied (sha256 ${e.actual.slice(0, 12)}… ≠ recorded ${e.recorded.slice(0, 12)}…)`,
    );
  for (const m of report.migrations) {
    if (m.status === 'ok') lines.push(`  ✓ ${m.name}  ${Math.round(m.durationMs)} ms`);
    else if (m.status === 'failed')
      lines.push(
        `  ✗ ${m.name}:${m.error?.line ?? '?'}  ${m.error?.message}${m.error?.sqlstate ? ` (SQLSTATE ${m.error.sqlstate})` : ''}${m.error?.hint ? `\n      hint: ${m.error.hint}` : ''}`,
      );
    else lines.push(`  - ${m.name}  skipped: ${m.reason}`);
    for (const n of m.notDryRun) lines.push(`      not dry-run: line ${n.line} ${n.statement} — ${n.reason}`);
  }
  return lines.join('\n');
}

/** safe-migration's closing summary. */
export function formatSafeMigrate(r: SafeMigrateResult): string {
  if (r.applied.length === 0) return `${r.envName}: no pending migrations, nothing changed`;
  const checks = r.verify.map((v) => `  ${v.ok ? '✓' : '✗'} ${v.name}${v.problem ? `: ${v.problem}` : ''}`);
  return [
    `${r.envName}: applied ${r.applied.join(', ')}`,
    ...checks,
    `  dump ${r.dump} (sha256 ${r.dumpSha256})`,
    `  restore if needed: ${r.restoreCommand}`,
    `  logged in ${r.migrationLog}`,
  ].join('\n');
}
