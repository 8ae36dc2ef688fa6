import { join } from 'node:path';
import { type EnvContext, writeFileAtomic } from '@pilot/core';
import type { ApprovalCheck } from '../state/approvals.ts';
import type { Criterion } from './criteria.ts';

export interface SignoffInput {
  ctx: EnvContext;
  version: string;
  digest?: string;
  commit?: string;
  go: boolean;
  criteria: Criterion[];
  approvals: ApprovalCheck;
  plan: string[];
  forced: boolean;
  now: Date;
  out?: string;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const MARK = { pass: '✓ pass', fail: '✗ FAIL', 'n/a': '– n/a' } as const;

/** The sign-off sheet: decision, criteria with evidence, approvals with their verified signers, the plan, the way back. */
export function renderSignoff(i: SignoffInput): string {
  const env = i.ctx.envName;
  const lines = [
    `# Go/No-Go: ${i.ctx.config.service.name} ${i.version} → ${env}`,
    '',
    `**Decision: ${i.go ? 'GO' : 'NO-GO'}**${i.forced ? ' (deploy window FORCED with --force)' : ''} — decided ${i.now.toISOString()}`,
    '',
    `- Release: ${i.version}${i.digest ? ` (digest ${i.digest})` : ''}${i.commit ? `, commit ${i.commit}` : ''}`,
    `- Environment: ${env}`,
    '',
    '## Criteria',
    '',
    '| Criterion | Result | Detail | Evidence |',
    '|---|---|---|---|',
    ...i.criteria.map((c) => `| ${cell(c.name)} | ${MARK[c.status]} | ${cell(c.detail)} | ${cell(c.evidence ?? '')} |`),
    '',
    '## Approvals',
    '',
  ];
  if (i.approvals.verdicts.length === 0) lines.push('None recorded.');
  else {
    lines.push('| Approver | Role | Signature | Counts | Given |', '|---|---|---|---|---|');
    for (const v of i.approvals.verdicts) {
      const sig = v.signed ? (v.counts ? `verified: ${v.signer}` : `refused: ${v.reason}`) : 'unsigned';
      lines.push(
        `| ${cell(v.approval.approver)} | ${cell(v.approval.role ?? '')} | ${cell(sig)} | ${v.counts ? 'yes' : `no${!v.signed && v.reason ? ` (${cell(v.reason)})` : ''}`} | ${v.approval.ts} |`,
      );
    }
  }
  lines.push(
    '',
    '## Plan',
    '',
    i.plan.join(' → '),
    '',
    '## Rollback',
    '',
    `\`pnpm rollback --env ${env}\` (back to the last-known-good release; \`pnpm pilot status --env ${env}\` names it)`,
    '',
    '## Sign-off',
    '',
    '| Role | Name | Date | Signature |',
    '|---|---|---|---|',
    '| Technical |  |  |  |',
    '| Business |  |  |  |',
    '',
  );
  return lines.join('\n');
}

/** A self-contained HTML page of the same sheet (inline style, no script, no external resource). */
export function renderSignoffHtml(i: SignoffInput): string {
  const rows = i.criteria.map(
    (c) =>
      `<tr class="${c.status === 'fail' ? 'fail' : c.status === 'pass' ? 'pass' : 'na'}"><td>${escapeHtml(c.name)}</td><td>${escapeHtml(MARK[c.status])}</td><td>${escapeHtml(c.detail)}</td><td>${escapeHtml(c.evidence ?? '')}</td></tr>`,
  );
  const approvals = i.approvals.verdicts.map(
    (v) =>
      `<tr><td>${escapeHtml(v.approval.approver)}</td><td>${escapeHtml(v.approval.role ?? '')}</td><td>${escapeHtml(v.signed ? (v.counts ? `verified: ${v.signer}` : `refused: ${v.reason}`) : 'unsigned')}</td><td>${v.counts ? 'yes' : 'no'}</td><td>${escapeHtml(v.approval.ts)}</td></tr>`,
  );
  const title = `Go/No-Go: ${i.ctx.config.service.name} ${i.version} → ${i.ctx.envName}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}tr.fail td{background:#fde2e2}tr.pass td{background:#e6f4ea}.go{color:#137333}.nogo{color:#b3261e}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p class="${i.go ? 'go' : 'nogo'}"><strong>Decision: ${i.go ? 'GO' : 'NO-GO'}</strong>${i.forced ? ' (deploy window FORCED)' : ''} — ${escapeHtml(i.now.toISOString())}</p>
<p>Release ${escapeHtml(i.version)}${i.digest ? ` (digest ${escapeHtml(i.digest)})` : ''}${i.commit ? `, commit ${escapeHtml(i.commit)}` : ''}</p>
<h2>Criteria</h2><table><tr><th>Criterion</th><th>Result</th><th>Detail</th><th>Evidence</th></tr>${rows.join('')}</table>
<h2>Approvals</h2>${approvals.length ? `<table><tr><th>Approver</th><th>Role</th><th>Signature</th><th>Counts</th><th>Given</th></tr>${approvals.join('')}</table>` : '<p>None recorded.</p>'}
<h2>Plan</h2><p>${escapeHtml(i.plan.join(' → '))}</p>
<h2>Rollback</h2><p><code>pnpm rollback --env ${escapeHtml(i.ctx.envName)}</code></p>
<h2>Sign-off</h2><table><tr><th>Role</th><th>Name</th><th>Date</th><th>Signature</th></tr><tr><td>Technical</td><td></td><td></td><td></td></tr><tr><td>Business</td><td></td><td></td><td></td></tr></table>
</body></html>
`;
}

/** Writes `.pilot/signoff/<env>-<version>.md` (or `out`) and the HTML next to it. */
export async function writeSignoffReport(i: SignoffInput): Promise<{ md: string; html: string }> {
  const md = i.out ?? join(i.ctx.paths.root, 'signoff', `${i.ctx.envName}-${i.version}.md`);
  const html = md.replace(/\.md$/, '') + '.html';
  await writeFileAtomic(md, renderSignoff(i));
  await writeFileAtomic(html, renderSignoffHtml(i));
  return { md, html };
}
