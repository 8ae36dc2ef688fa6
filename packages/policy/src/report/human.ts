import type { Finding } from '../finding.ts';
import type { CheckSummary } from '../run-policy-check.ts';

/** Plain-text report: one line per finding (`file:line  rule  message`), then one line per check. */
export function renderHuman(findings: Finding[], checks: CheckSummary[]): string {
  const lines = findings.map((f) => {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '(repository)';
    return `✗ ${where}  ${f.rule}  ${f.message}${f.fingerprint ? ` [fingerprint ${f.fingerprint}]` : ''}`;
  });
  if (lines.length > 0) lines.push('');
  for (const check of checks) {
    const mark = check.status === 'pass' ? '✓' : check.status === 'fail' ? '✗' : '–';
    lines.push(
      `${mark} ${check.name.padEnd(16)} ${check.status === 'skipped' ? `skipped: ${check.note}` : `${check.findings} finding(s)${check.note ? ` — ${check.note}` : ''}`}`,
    );
  }
  lines.push(
    findings.length === 0 ? 'policy-check: all policies pass' : `policy-check: ${findings.length} violation(s)`,
  );
  return lines.join('\n');
}
