import type { Point } from '../series.ts';
import type { VerdictView } from '../view.ts';
import { svgChart } from './svg-chart.ts';

/** Everything a deployment's report shows, read from its journal (secrets already masked there, masked again here). */
export interface ReportModel {
  id: string;
  service?: string;
  env?: string;
  release?: string;
  previous?: string;
  outcome: string;
  reason?: string;
  /** Who ran it: the OS user and host, and every action taken on it from the page or the CLI (with its actor). */
  who?: string;
  actions: { ts: string; action: string; actor: string }[];
  strategy?: string;
  target?: string;
  command?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  timeline: { step: string; startedAt: string; durationMs?: number; outcome: string }[];
  verdicts: VerdictView[];
  preflight: { name: string; ok: boolean; forced?: boolean; detail?: string }[];
  backup?: Record<string, unknown>;
  attestation?: { version: string; state: string; detail?: string };
  approvals: string[];
  rollbackCommand?: string;
  undo?: string;
  /** Per-release traffic over the deployment (the router keeps 10 minutes of samples). */
  series?: Record<string, Point[]>;
  seriesNote?: string;
  generatedAt: string;
}

const esc = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: unknown) =>
  typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : typeof v === 'string' ? v : JSON.stringify(v);
const duration = (ms?: number) =>
  ms === undefined
    ? ''
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** One clause per piece of evidence: observed vs threshold, the judge's test, p-value and sample counts. */
export function describeEvidence(r: Record<string, unknown>): string {
  const parts: string[] = [];
  if (r.observed !== undefined) parts.push(`observed ${fmt(r.observed)}`);
  if (r.threshold !== undefined) parts.push(`threshold ${fmt(r.threshold)}`);
  if (r.stable !== undefined) parts.push(`stable ${fmt(r.stable)}`);
  if (r.test !== undefined) parts.push(`test ${fmt(r.test)}`);
  if (r.pValue !== undefined) parts.push(`p-value ${fmt(r.pValue)}`);
  if (r.samples !== undefined) parts.push(`samples ${fmt(r.samples)}`);
  if (r.window !== undefined) parts.push(`window ${fmt(r.window)}`);
  if (r.severity !== undefined) parts.push(`severity ${fmt(r.severity)}`);
  if (r.detail !== undefined) parts.push(String(r.detail));
  return parts.join(' · ');
}

/**
 * The self-contained report: one HTML file, no script, no external URL (styles inline, charts inline SVG), readable
 * printed. `mask` is applied to the whole document last, so no secret the command knows can survive in it.
 */
export function renderReport(m: ReportModel, mask: (text: string) => string = (t) => t): string {
  const row = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const summary: [string, unknown][] = [
    ['Service', m.service],
    ['Environment', m.env],
    ['Release', m.release],
    ['Replacing', m.previous ?? '(nothing served before)'],
    ['Outcome', m.outcome.replace('_', ' ')],
    ['Why', m.reason],
    ['Undone', m.undo],
    ['Who', m.who],
    ['Strategy / target', [m.strategy, m.target].filter(Boolean).join(' / ')],
    ['Started', m.startedAt],
    ['Ended', m.endedAt],
    ['Duration', duration(m.durationMs)],
    ['Command', m.command],
  ];
  const series = m.series ?? {};
  const charts = [
    svgChart('requests / s', series, (p) => p.rate, '/s'),
    svgChart('error rate', series, (p) => (p.errorRate === null ? null : p.errorRate * 100), '%'),
    svgChart('p95 latency', series, (p) => p.p95, ' ms'),
    svgChart('p99 latency', series, (p) => p.p99, ' ms'),
  ].join('\n');
  const verdicts = m.verdicts.length
    ? m.verdicts
        .map(
          (v) =>
            `<div class="verdict"><h3>${esc(v.step)}: <span class="d-${esc(v.decision)}">${esc(v.decision)}</span> <small>${esc(v.ts)}</small></h3><table><thead><tr><th>rule / metric</th><th>evidence</th></tr></thead><tbody>${v.reasons.map((r) => row([r.rule ?? r.metric ?? 'check', describeEvidence(r)])).join('')}</tbody></table></div>`,
        )
        .join('\n')
    : '<p class="muted">no analysis verdict was recorded</p>';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pilot report ${esc(m.id)}</title>
<style>
body{font:13px/1.45 system-ui,sans-serif;color:#1d2330;margin:24px;max-width:1000px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ccd}h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e4e4ec;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}dt{color:#555}dd{margin:0}
.muted{color:#777}.d-rollback,.o-rolled_back,.o-failed,.o-aborted{color:#b00;font-weight:600}.d-continue,.d-promote,.o-succeeded{color:#070;font-weight:600}.d-inconclusive{color:#a60;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(2,1fr);gap:8px}figure{margin:0}code{background:#f1f1f5;padding:1px 4px}
@media print{body{margin:0}.charts{grid-template-columns:repeat(2,1fr)}.verdict,figure,table{break-inside:avoid}}
</style></head><body>
<h1>Deployment ${esc(m.id)} — <span class="o-${esc(m.outcome)}">${esc(m.outcome.replace('_', ' '))}</span></h1>
<p class="muted">Pilot deployment report, generated ${esc(m.generatedAt)} from the journal.</p>
<h2>Summary</h2><dl>${summary
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl>
<h2>Roll back</h2><p>${m.rollbackCommand ? `<code>${esc(m.rollbackCommand)}</code>` : 'nothing to roll back to (nothing served before this release)'}</p>
<h2>Timeline</h2><table><thead><tr><th>step</th><th>started</th><th>duration</th><th>outcome</th></tr></thead><tbody>${m.timeline.map((t) => row([t.step, t.startedAt, duration(t.durationMs), t.outcome])).join('')}</tbody></table>
${m.actions.length ? `<h2>Actions</h2><table><thead><tr><th>when</th><th>action</th><th>by</th></tr></thead><tbody>${m.actions.map((a) => row([a.ts, a.action, a.actor])).join('')}</tbody></table>` : ''}
<h2>Traffic over the deployment</h2>${m.seriesNote ? `<p class="muted">${esc(m.seriesNote)}</p>` : ''}<div class="charts">${charts}</div>
<h2>Verdicts</h2>${verdicts}
<h2>Preflight</h2><table><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>${m.preflight.map((c) => row([c.name, c.ok ? 'ok' : c.forced ? 'forced' : 'failed', c.detail ?? ''])).join('') || row(['none recorded', '', ''])}</tbody></table>
<h2>Backup and attestation</h2><dl>
<dt>Backup</dt><dd>${
    m.backup
      ? esc(
          Object.entries(m.backup)
            .map(([k, v]) => `${k}: ${fmt(v)}`)
            .join(' · '),
        )
      : 'none taken'
  }</dd>
<dt>Attestation</dt><dd>${m.attestation ? esc(`${m.attestation.version}: ${m.attestation.state}${m.attestation.detail ? ` — ${m.attestation.detail}` : ''}`) : 'none'}</dd>
</dl>
<h2>Approvals</h2>${m.approvals.length ? `<ul>${m.approvals.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : '<p class="muted">none required or recorded</p>'}
</body></html>
`;
  return mask(html);
}
