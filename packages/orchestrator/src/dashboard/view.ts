import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentSummary, EnvironmentView, VerdictView } from '@pilot/dashboard';
import { type JournalEntry, readLock, statePaths } from '@pilot/core';
import { type DeploymentView, findOpenDeployment, listDeployments, readDeployment } from '../state/deployments.ts';
import { currentLive, lastKnownGood, readHistory } from '../state/history.ts';

/** `.pilot/deployments/<id>/report.html`. */
export const reportPath = (stateDir: string, id: string) => join(statePaths(stateDir).deployments, id, 'report.html');

const versionOf = (value: unknown) => (value as { version?: string } | undefined)?.version;

/** A deployment as the page's list shows it. */
export function summaryOf(stateDir: string, d: DeploymentView): DeploymentSummary {
  const ended = !['running', 'paused'].includes(d.status);
  return {
    id: d.id,
    status: d.effective,
    release: versionOf(d.data.release),
    previous: versionOf(d.data.stable),
    startedAt: d.startedAt,
    updatedAt: d.updatedAt,
    durationMs: ended && d.startedAt && d.updatedAt ? Date.parse(d.updatedAt) - Date.parse(d.startedAt) : undefined,
    report: existsSync(reportPath(stateDir, d.id)),
  };
}

/** The sequential judge's evidence (journalled after each look) as one reason: its test, p-value and sample counts. */
function judgeEvidence(value: unknown): Record<string, unknown> | undefined {
  const e = value as
    | {
        kind?: string;
        looks?: number;
        sides?: Record<'stable' | 'candidate', { requests: number; errors: number }>;
        maxErrorE?: number;
        maxLatencyE?: number;
      }
    | undefined;
  if (e?.kind !== 'sequential' || !e.sides) return undefined;
  const { stable, candidate } = e.sides;
  const evalue = Math.max(e.maxErrorE ?? 1, e.maxLatencyE ?? 1);
  return {
    metric: 'sequential judge',
    test: 'anytime-valid e-values (errors, latency)',
    pValue: Math.min(1, 1 / evalue),
    samples: `stable ${stable.requests} / candidate ${candidate.requests}`,
    detail: `errors stable ${stable.errors} / candidate ${candidate.errors}, ${e.looks ?? 0} looks`,
  };
}

/**
 * Every verdict of a deployment with its evidence: the analysis verdicts journalled per step (with the sequential
 * judge's evidence at that step), the reasons of a rollback when no verdict line precedes it (older journals), and a
 * step still being watched (decision `watching`, its evidence so far).
 */
export function verdictsOf(entries: JournalEntry[]): VerdictView[] {
  const verdicts: VerdictView[] = [];
  let step = '';
  let evidence: { step: string; ts: string; reason: Record<string, unknown> } | undefined;
  const withEvidence = (at: string, reasons: Record<string, unknown>[]) =>
    evidence?.step === at ? [...reasons, evidence.reason] : reasons;
  for (const e of entries) {
    if (e.event === 'step.started') step = String(e.step);
    if (e.event === 'analysis.evidence') {
      const reason = judgeEvidence((e.state as { judge?: unknown } | undefined)?.judge);
      if (reason) evidence = { step: typeof e.step === 'string' ? e.step : step, ts: e.ts, reason };
      continue;
    }
    const reasons = Array.isArray(e.reasons) ? (e.reasons as Record<string, unknown>[]) : undefined;
    if (typeof e.decision === 'string' && reasons) {
      const at = typeof e.step === 'string' ? e.step : step;
      // The same verdict journalled twice (by the analysis and by the run): kept once.
      if (
        !verdicts.some(
          (v) => v.step === at && v.decision === e.decision && Math.abs(Date.parse(v.ts) - Date.parse(e.ts)) < 2000,
        )
      )
        verdicts.push({ step: at, decision: e.decision, ts: e.ts, reasons: withEvidence(at, reasons) });
    } else if (
      e.event === 'deployment.rolled_back' &&
      reasons &&
      !verdicts.some((v) => v.step === step && v.decision === 'rollback')
    ) {
      verdicts.push({ step, decision: 'rollback', ts: e.ts, reasons: withEvidence(step, reasons) });
    }
  }
  if (evidence && !verdicts.some((v) => v.step === evidence!.step))
    verdicts.push({ step: evidence.step, decision: 'watching', ts: evidence.ts, reasons: [evidence.reason] });
  return verdicts;
}

const CLI: Record<EnvironmentView['actions'][number]['name'], string> = {
  promote: 'promote',
  'promote-full': 'promote --full',
  abort: 'abort',
  resume: 'resume',
};

/** What the monitoring page shows about one environment: read with `pilot status`'s own readers of `.pilot/`. */
export async function environmentView(o: { stateDir: string; envName: string }): Promise<EnvironmentView> {
  const paths = statePaths(o.stateDir);
  const [lock, history, recent] = await Promise.all([
    readLock({ path: paths.lock(o.envName), auditPath: paths.audit }),
    readHistory(o.stateDir, o.envName),
    listDeployments(o.stateDir, o.envName, 8),
  ]);
  const open = await findOpenDeployment(o.stateDir, o.envName);
  const chosen = open ?? recent[0];
  const read = chosen ? await readDeployment(o.stateDir, chosen.id) : undefined;
  const entries = read?.entries ?? [];
  const view: EnvironmentView = {
    env: o.envName,
    service: typeof read?.view.data.service === 'string' ? read.view.data.service : undefined,
    live: currentLive(history)?.version,
    lastKnownGood: lastKnownGood(history)?.version,
    lock: {
      held: lock.held,
      deploymentId: lock.record?.deploymentId,
      state: lock.state,
      actor: lock.record?.actor
        ? `${lock.record.actor.user}@${lock.record.actor.host} pid ${lock.record.actor.pid}`
        : undefined,
      since: lock.record?.acquiredAt,
    },
    verdicts: open ? verdictsOf(entries) : [],
    recent: recent.map((d) => summaryOf(o.stateDir, d)),
    actions: [],
  };
  if (open) {
    const plan = open.plan;
    const index = open.step?.index ?? 0;
    const started = entries.filter((e) => e.event === 'step.started').at(-1);
    const paused =
      open.effective === 'paused' ? entries.filter((e) => e.event === 'deployment.paused').at(-1) : undefined;
    view.open = {
      ...summaryOf(o.stateDir, open),
      step: open.step
        ? {
            name: open.step.name,
            index: open.step.index,
            total: plan.length,
            completed: open.step.completed,
            since: started?.ts,
          }
        : undefined,
      weight: typeof open.data.weight === 'number' ? open.data.weight : 0,
      next: plan[index]?.name ?? (open.step ? 'the end' : plan[0]?.name),
      pauseReason: typeof paused?.reason === 'string' ? paused.reason : undefined,
      dueAt: typeof open.data.dueAt === 'string' ? open.data.dueAt : undefined,
    };
    const pausedNow = open.effective === 'paused';
    const interrupted = open.effective === 'interrupted';
    const enabled = { promote: pausedNow, 'promote-full': pausedNow, abort: true, resume: pausedNow || interrupted };
    view.actions = (Object.keys(CLI) as (keyof typeof CLI)[]).map((name) => ({
      name,
      enabled: enabled[name],
      command: `pnpm pilot ${CLI[name]} --env ${o.envName}`,
    }));
  }
  return view;
}
