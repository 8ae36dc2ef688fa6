import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EnvContext, formatDuration, readJournal, statePaths } from '@pilot/core';
import type { SloTargets } from './slo.ts';
import { turboTestsCriterion } from './turbo-summary.ts';

/** One Go/No-Go criterion: pass, fail, or not applicable here — with the evidence it was decided on. */
export interface Criterion {
  name: string;
  status: 'pass' | 'fail' | 'n/a';
  detail: string;
  evidence?: string;
}

/** The gate's thresholds, as data in policies/gate.json (per environment under `environments`). */
export interface GatePolicy {
  rollbackDrillDays: number;
  backupMaxAgeHours: number;
  auditSeverity: 'low' | 'moderate' | 'high' | 'critical';
  slo?: SloTargets;
}

const DEFAULTS: GatePolicy = { rollbackDrillDays: 30, backupMaxAgeHours: 24, auditSeverity: 'high' };

export async function readGatePolicy(root: string, env: string): Promise<GatePolicy> {
  const text = await readFile(join(root, 'policies', 'gate.json'), 'utf8').catch(() => undefined);
  if (!text) return DEFAULTS;
  const doc = JSON.parse(text) as Partial<GatePolicy> & { environments?: Record<string, Partial<GatePolicy>> };
  const { environments, ...top } = doc;
  return { ...DEFAULTS, ...top, ...environments?.[env] };
}

/** Tests: a JUnit XML (what CI passes in): every suite's tests, failures and errors; without one, turbo's run summary of the commit. */
export async function testsCriterion(
  ciResult: string | undefined,
  commit: string | undefined,
  root: string,
): Promise<Criterion> {
  const name = 'tests';
  if (!ciResult && commit) return turboTestsCriterion(root, commit);
  if (!ciResult)
    return {
      name,
      status: 'fail',
      detail: "no test result: the release's commit is unknown — pass --ci-result FILE (CI's JUnit XML)",
    };
  const xml = await readFile(ciResult, 'utf8').catch(() => undefined);
  if (xml === undefined) return { name, status: 'fail', detail: `--ci-result ${ciResult}: cannot read it` };
  const cases = (xml.match(/<testcase\b/g) ?? []).length;
  const failed = (xml.match(/<(failure|error)\b/g) ?? []).length;
  const skipped = (xml.match(/<skipped\b/g) ?? []).length;
  const evidence = `${ciResult}: ${cases} test cases, ${failed} failed, ${skipped} skipped`;
  if (cases === 0) return { name, status: 'fail', detail: `${ciResult} holds no test cases`, evidence };
  return {
    name,
    status: failed === 0 ? 'pass' : 'fail',
    detail: failed === 0 ? `${cases} passed${skipped ? ` (${skipped} skipped)` : ''}` : `${failed} of ${cases} failed`,
    evidence,
  };
}

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;

/** `pnpm audit --json` recorded to a file: no advisory at or above the policy's severity. */
export async function auditCriterion(
  report: string | undefined,
  threshold: GatePolicy['auditSeverity'],
): Promise<Criterion> {
  const name = 'dependency audit';
  if (!report)
    return {
      name,
      status: 'fail',
      detail: 'no audit report — `pnpm audit --json > audit.json`, then pass --audit-report audit.json',
    };
  let doc: {
    metadata?: { vulnerabilities?: Record<string, number> };
    advisories?: Record<string, { severity?: string; module_name?: string; title?: string }>;
  };
  try {
    doc = JSON.parse(await readFile(report, 'utf8'));
  } catch (error) {
    return {
      name,
      status: 'fail',
      detail: `--audit-report ${report}: not a \`pnpm audit --json\` report (${(error as Error).message})`,
    };
  }
  const at = SEVERITIES.indexOf(threshold);
  const advisories = Object.values(doc.advisories ?? {});
  const counted = SEVERITIES.slice(at).map(
    (s) => [s, doc.metadata?.vulnerabilities?.[s] ?? advisories.filter((a) => a.severity === s).length] as const,
  );
  const total = counted.reduce((n, [, c]) => n + c, 0);
  const worst = advisories
    .filter((a) => SEVERITIES.indexOf((a.severity ?? 'info') as (typeof SEVERITIES)[number]) >= at)
    .map((a) => `${a.module_name}: ${a.title} (${a.severity})`);
  return {
    name,
    status: total === 0 ? 'pass' : 'fail',
    detail:
      total === 0
        ? `no advisory at or above ${threshold}`
        : `${total} advisories at or above ${threshold}: ${counted
            .filter(([, c]) => c)
            .map(([s, c]) => `${c} ${s}`)
            .join(', ')}`,
    evidence: `${report}${worst.length ? `: ${worst.slice(0, 5).join('; ')}` : ''}`,
  };
}

/** A `pnpm rollback --drill` of this environment that succeeded within N days, with its time to recover. */
export async function drillCriterion(ctx: EnvContext, days: number, now: number): Promise<Criterion> {
  const name = 'rollback drill';
  const history = await readFile(join(ctx.paths.root, 'history', `${ctx.envName}.jsonl`), 'utf8').catch(() => '');
  const drills = history
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; ts: string; deploymentId?: string })
    .filter((e) => e.event === 'rollback.drill');
  const last = drills.at(-1);
  if (!last)
    return {
      name,
      status: 'fail',
      detail: `no rollback drill recorded on ${ctx.envName} — \`pnpm rollback --env ${ctx.envName} --drill\``,
    };
  const ageMs = now - Date.parse(last.ts);
  const { entries } = last.deploymentId
    ? await readJournal(statePaths(ctx.paths.root).journal(last.deploymentId))
    : { entries: [] };
  const done = entries.find((e) => e.event === 'deployment.succeeded') as
    | { elapsedMs?: number; switchMs?: number }
    | undefined;
  const mttr =
    done?.elapsedMs !== undefined
      ? `MTTR ${formatDuration(done.elapsedMs)} (switch ${done.switchMs}ms)`
      : 'MTTR not recorded';
  const evidence = `drill ${last.deploymentId} at ${last.ts}, ${mttr}`;
  if (ageMs > days * 86_400_000)
    return {
      name,
      status: 'fail',
      detail: `the last drill is ${formatDuration(ageMs)} old (limit ${days}d) — \`pnpm rollback --env ${ctx.envName} --drill\``,
      evidence,
    };
  return { name, status: 'pass', detail: `drilled ${formatDuration(ageMs)} ago, ${mttr}`, evidence };
}
