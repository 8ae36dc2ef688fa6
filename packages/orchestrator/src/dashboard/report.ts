import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { attestationState } from '@pilot/attest/state';
import { type Point, type ReportModel, type Sample, bucketize, renderReport } from '@pilot/dashboard';
import { type JournalEntry, maskCredentials, readJournal, statePaths, writeFileAtomic } from '@pilot/core';
import { routerRunning } from '@pilot/router';
import { readDeployment } from '../state/deployments.ts';
import { approvalsPath } from '../state/approvals.ts';
import { reportPath, verdictsOf } from './view.ts';

const TERMINAL = new Set([
  'deployment.succeeded',
  'deployment.rolled_back',
  'deployment.failed',
  'deployment.aborted',
  'deployment.paused',
]);
// The router keeps this much of its raw samples: older traffic cannot be charted.
const ROUTER_WINDOW_MS = 10 * 60_000;

export interface ReportOptions {
  root: string;
  stateDir: string;
  id: string;
  /** Masks what the command knows to be secret (its logger's redactor). */
  mask?: (text: string) => string;
  /** Who ran the deployment (user@host), when known. */
  who?: string;
}

/** Renders `.pilot/deployments/<id>/report.html` from the deployment's journal (and the router's samples, when it has them). */
export async function writeDeploymentReport(o: ReportOptions): Promise<string | undefined> {
  const read = await readDeployment(o.stateDir, o.id);
  if (!read) return undefined;
  const { view, entries } = read;
  const started = entries.find((e) => e.event === 'deployment.started') ?? ({} as JournalEntry);
  const end = entries.filter((e) => TERMINAL.has(e.event)).at(-1);
  const release = (view.data.release as { version?: string } | undefined)?.version;
  const previous = (view.data.stable as { version?: string } | undefined)?.version;
  const env = view.env ?? '';
  const startedMs = Date.parse(view.startedAt ?? '') || Date.now();
  const endedMs = Date.parse(view.updatedAt ?? '') || Date.now();
  const series = await trafficOf(o.stateDir, env, startedMs, endedMs);
  const model: ReportModel = {
    id: o.id,
    service: typeof started.service === 'string' ? started.service : undefined,
    env,
    release,
    previous,
    outcome: view.effective,
    reason: typeof end?.reason === 'string' ? end.reason : undefined,
    undo:
      typeof (end?.undo as { summary?: string } | undefined)?.summary === 'string'
        ? (end!.undo as { summary: string }).summary
        : undefined,
    who: o.who,
    actions: actionsOf(entries),
    strategy: typeof started.strategy === 'string' ? started.strategy : undefined,
    target: typeof started.target === 'string' ? started.target : undefined,
    command: typeof started.command === 'string' ? started.command : undefined,
    startedAt: view.startedAt,
    endedAt: view.updatedAt,
    durationMs: endedMs - startedMs,
    timeline: timelineOf(entries),
    verdicts: verdictsOf(entries),
    preflight: Array.isArray(started.preflight) ? (started.preflight as ReportModel['preflight']) : [],
    backup: (view.data.backup as Record<string, unknown> | undefined) ?? undefined,
    attestation: release
      ? await attestationState(o.root, release, { ...process.env, PILOT_STATE_DIR: o.stateDir }).then(
          (a) => ({ version: release, state: a.state, detail: a.detail }),
          () => undefined,
        )
      : undefined,
    approvals: release ? await approvalsOf(o.stateDir, env, release) : [],
    rollbackCommand: previous ? `pnpm rollback --env ${env} --to ${previous}` : undefined,
    series: series.points,
    seriesNote: series.note,
    generatedAt: new Date().toISOString(),
  };
  const mask = (text: string) => maskCredentials(o.mask ? o.mask(text) : text);
  const file = reportPath(o.stateDir, o.id);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, renderReport(model, mask));
  return file;
}

function timelineOf(entries: JournalEntry[]): ReportModel['timeline'] {
  const timeline: ReportModel['timeline'] = [];
  for (const e of entries) {
    const open = timeline.at(-1);
    const close = (outcome: string) => {
      if (open && open.durationMs === undefined)
        Object.assign(open, { outcome, durationMs: Date.parse(e.ts) - Date.parse(open.startedAt) });
    };
    if (e.event === 'step.started') {
      close('left');
      timeline.push({ step: String(e.step), startedAt: e.ts, outcome: 'running' });
    } else if (e.event === 'step.completed') close('completed');
    else if (e.event === 'deployment.paused') close('paused');
    else if (TERMINAL.has(e.event)) close(e.event.replace('deployment.', '').replace('_', ' '));
  }
  return timeline;
}

function actionsOf(entries: JournalEntry[]): ReportModel['actions'] {
  return entries.flatMap((e) => {
    if (e.event === 'dashboard.action') return [{ ts: e.ts, action: String(e.action), actor: String(e.actor) }];
    if (e.event === 'deployment.resumed' || e.event === 'abort.requested')
      return [{ ts: e.ts, action: e.event, actor: String(e.by ?? 'pilot') }];
    return [];
  });
}

async function approvalsOf(stateDir: string, env: string, release: string): Promise<string[]> {
  const { entries } = await readJournal(approvalsPath(stateDir, env)).catch(() => ({ entries: [] as JournalEntry[] }));
  return entries
    .filter((e) => e.release === release)
    .map((e) => `${e.approver}${e.role ? ` (${e.role})` : ''} at ${e.ts}${e.note ? ` — ${e.note}` : ''}`);
}

/** The router's samples over the deployment, bucketed to about 150 points per release; a note says what is missing. */
async function trafficOf(
  stateDir: string,
  env: string,
  fromMs: number,
  toMs: number,
): Promise<{ points?: Record<string, Point[]>; note?: string }> {
  const running = env ? await routerRunning(statePaths(stateDir).router(env)).catch(() => undefined) : undefined;
  if (!running)
    return { note: 'no router samples (not the local target, or its router is not running): no traffic charts' };
  const answer = await running.client
    .get<{ releases: Record<string, { samples: Sample[] }> }>(`/admin/samples?since=${fromMs}`)
    .catch(() => undefined);
  if (!answer) return { note: 'the router did not answer with its samples' };
  const end = Math.max(toMs, fromMs + 1000);
  const step = Math.max(1000, Math.ceil((end - fromMs) / 150 / 1000) * 1000);
  // Releases without a request in the deployment's time (one retired before it) are left out.
  const points = Object.fromEntries(
    Object.entries(answer.releases)
      .map(([version, r]) => [version, bucketize(r.samples, fromMs, end, step)] as const)
      .filter(([, list]) => list.some((p) => p.n > 0)),
  );
  const note =
    Date.now() - fromMs > ROUTER_WINDOW_MS
      ? 'the router keeps 10 minutes of samples: the charts start 10 minutes before the report was written'
      : undefined;
  return { points, note };
}
