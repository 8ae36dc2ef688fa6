import { type EnvContext, type Logger, type Release, type TargetDriver, formatDuration } from '@pilot/core';
import { type JudgeOptions, type Judgement, judgeCanary } from './judge/judge.ts';
import {
  type Evidence,
  type SequentialOptions,
  addCountedLook,
  addLook,
  evidenceFor,
  judgeEvidence,
  newEvidence,
} from './judge/sequential/sequential-judge.ts';
import { PrometheusLooks } from './prometheus-looks.ts';
import { PrometheusVersionSource } from './providers/prometheus-versions.ts';
import { type Finding, type Sample, percentile } from './rules/evaluate.ts';
import { loadRuleSets } from './rules/rules.ts';
import { Watch } from './watch.ts';

/** The orchestrator's verdict for one step. */
export interface Verdict {
  decision: 'continue' | 'promote' | 'rollback' | 'inconclusive';
  reasons: Record<string, unknown>[];
}

/** The sequential judge: its options, the deployment's evidence so far (from the journal), and where each look's evidence goes. */
export interface SequentialJudge extends SequentialOptions {
  kind: 'sequential';
  /** Evidence of earlier steps or of the run before a kill (journalled); ignored unless it is for this candidate and stable. */
  evidence?: unknown;
  /** Called after every look that added requests, before its verdict acts: the orchestrator journals it. */
  onEvidence?: (evidence: Evidence) => Promise<void>;
  /** Requests per side this step needs before its window may pass (default 10); fewer: inconclusive. */
  minSamples?: number;
}

export interface AnalyseStepOptions {
  phase: 'canary' | 'pre-promotion' | 'watch';
  step: { name: string; weight?: number };
  candidate: Release;
  stable?: Release;
  baseUrl: string;
  candidateUrl: string;
  holdMs: number;
  intervalMs: number;
  signal: AbortSignal;
  root: string;
  ctx: EnvContext;
  rules?: string[];
  target?: TargetDriver;
  log: Logger;
  judge?: JudgeOptions | SequentialJudge;
}

/**
 * Holds a step for `holdMs`, evaluating the fixed rules every `intervalMs` (a critical breach rolls back at once),
 * then, for a canary step with traffic on both sides, compares candidate against stable with the judge.
 */
export async function analyseStep(o: AnalyseStepOptions): Promise<Verdict> {
  const rules = await loadRuleSets(o.root, o.rules ?? o.ctx.env.rules);
  const watch = new Watch({ ctx: o.ctx, rules, probeUrl: o.candidateUrl, subject: o.candidate.version });
  const end = Date.now() + o.holdMs;
  const sequential = o.judge && 'kind' in o.judge && o.judge.kind === 'sequential' && judged(o) ? o.judge : undefined;
  const prometheus =
    sequential && o.stable && o.ctx.env.target.kind !== 'local' ? prometheusLooks(o, o.stable.version) : undefined;
  let evidence =
    sequential && o.stable
      ? (evidenceFor(sequential.evidence, o.candidate.version, o.stable.version) ??
        newEvidence(o.candidate.version, o.stable.version))
      : undefined;
  const stepStart = evidence
    ? { stable: evidence.sides.stable.requests, candidate: evidence.sides.candidate.requests }
    : undefined;
  let last: Finding[] = [];
  for (;;) {
    const { findings } = await watch.tick();
    last = findings;
    const critical = findings.filter((f) => f.breached && f.severity === 'critical');
    if (critical.length) return { decision: 'rollback', reasons: critical.map(reasonOf) };
    if (sequential && evidence) {
      evidence = await lookAgain(o, sequential, prometheus ?? watch, evidence);
      if (prometheus?.warning) {
        o.log.warn('analysis.prometheus', prometheus.warning, { step: o.step.name });
        prometheus.warning = undefined;
      }
      const judgement = judgeEvidence(evidence, sequential);
      if (judgement.decision === 'fail') {
        o.log.logMetrics('analysis.judge', {
          step: o.step.name,
          judge: 'sequential',
          decision: 'fail',
          looks: evidence.looks,
          stableSamples: judgement.samples.stable,
          candidateSamples: judgement.samples.candidate,
        });
        o.log.progressDone();
        return verdictOf(judgement);
      }
    }
    for (const warning of findings.filter((f) => f.breached && f.severity === 'warning')) {
      o.log.warn(
        'analysis.warning',
        `${warning.rule}: ${warning.observed} against ${warning.threshold} (${warning.window})`,
        reasonOf(warning),
      );
    }
    const left = end - Date.now();
    if (left <= 0 || o.signal.aborted) break;
    o.log.progress(prometheus && evidence ? countedLine(o, evidence, left) : windowLine(o, watch, left));
    await sleep(Math.min(o.intervalMs, left), o.signal);
  }
  o.log.progressDone();
  if (!judged(o) || !o.stable) return { decision: 'continue', reasons: last.filter((f) => !f.noData).map(reasonOf) };
  if (sequential && evidence && stepStart) return endOfWindow(o, sequential, evidence, stepStart, prometheus);
  const judgement = judgeCanary(
    watch.samplesOf(o.stable.version),
    watch.samplesOf(o.candidate.version),
    o.judge as JudgeOptions | undefined,
  );
  o.log.logMetrics('analysis.judge', {
    step: o.step.name,
    decision: judgement.decision,
    score: judgement.score,
    stableSamples: judgement.samples.stable,
    candidateSamples: judgement.samples.candidate,
  });
  return verdictOf(judgement);
}

// A canary step with traffic on both sides where each side's requests are seen — by the local router, or (sequential
// judge) in the environment's Prometheus: the judge compares candidate and stable.
function judged(o: AnalyseStepOptions): boolean {
  const weight = o.step.weight ?? 0;
  const seen =
    o.ctx.env.target.kind === 'local' ||
    (o.judge && 'kind' in o.judge && o.judge.kind === 'sequential' && Boolean(o.ctx.env.prometheus));
  return o.phase === 'canary' && Boolean(o.stable) && weight > 0 && weight < 100 && Boolean(seen);
}

// The environment's Prometheus per release (`environments.<env>.prometheus`, URL default $PILOT_PROMETHEUS_URL).
function prometheusLooks(o: AnalyseStepOptions, stable: string): PrometheusLooks | undefined {
  const config = o.ctx.env.prometheus;
  if (!config) return undefined;
  const url = config.url ?? process.env.PILOT_PROMETHEUS_URL ?? '';
  const looks = new PrometheusLooks(
    new PrometheusVersionSource(url, config, { env: o.ctx.envName }),
    o.candidate.version,
    stable,
  );
  if (!url) looks.error = `no Prometheus URL: set environments.${o.ctx.envName}.prometheus.url or PILOT_PROMETHEUS_URL`;
  return looks;
}

// One look: each side's requests since the previous one (the router's samples, or Prometheus' counter increases);
// journalled (onEvidence) before it is acted on.
async function lookAgain(
  o: AnalyseStepOptions,
  judge: SequentialJudge,
  from: Watch | PrometheusLooks,
  evidence: Evidence,
): Promise<Evidence> {
  const next =
    from instanceof PrometheusLooks ? await countedLook(judge, from, evidence) : sampledLook(o, judge, from, evidence);
  if (next !== evidence) await judge.onEvidence?.(next);
  return next;
}

function sampledLook(o: AnalyseStepOptions, judge: SequentialJudge, watch: Watch, evidence: Evidence): Evidence {
  const until = watch.samplesUntil;
  if (until === undefined || !o.stable) return evidence;
  const fresh = (version: string) => watch.samplesOf(version).filter((s) => s[0] >= evidence.cursor && s[0] < until);
  return addLook(evidence, fresh(o.stable.version), fresh(o.candidate.version), judge, until);
}

async function countedLook(judge: SequentialJudge, looks: PrometheusLooks, evidence: Evidence): Promise<Evidence> {
  const look = await looks.next();
  return look ? addCountedLook(evidence, look.stable, look.candidate, judge) : evidence;
}

// The window passed without a rejection: continue once this step saw enough requests on each side, else inconclusive.
function endOfWindow(
  o: AnalyseStepOptions,
  judge: SequentialJudge,
  evidence: Evidence,
  start: { stable: number; candidate: number },
  prometheus?: PrometheusLooks,
): Verdict {
  const judgement = judgeEvidence(evidence, judge);
  const minSamples = judge.minSamples ?? 10;
  const seen = {
    stable: evidence.sides.stable.requests - start.stable,
    candidate: evidence.sides.candidate.requests - start.candidate,
  };
  o.log.logMetrics('analysis.judge', {
    step: o.step.name,
    judge: 'sequential',
    decision: judgement.decision,
    looks: evidence.looks,
    stableSamples: seen.stable,
    candidateSamples: seen.candidate,
  });
  if (seen.stable >= minSamples && seen.candidate >= minSamples) return verdictOf(judgement);
  const short = [
    seen.candidate < minSamples && `${seen.candidate} candidate`,
    seen.stable < minSamples && `${seen.stable} stable`,
  ].filter(Boolean);
  const from = prometheus ? ` (from Prometheus${prometheus.error ? `: ${prometheus.error}` : ''})` : '';
  const detail = `${short.join(' and ')} requests in ${o.step.name}${from}, at least ${minSamples}${short.length > 1 ? ' each' : ''} needed`;
  return {
    decision: 'inconclusive',
    reasons: [
      {
        metric: 'error_rate',
        result: 'nodata',
        stable: seen.stable,
        candidate: seen.candidate,
        test: 'no-data policy',
        threshold: `≥ ${minSamples} requests per side in each step`,
        detail,
      },
    ],
  };
}

/** The step's verdict from the judge's comparison: each metric a reason, with its own sentence in `detail`. */
export function verdictOf(j: Judgement): Verdict {
  const reasons = j.metrics.map((m) => ({
    metric: m.metric,
    result: m.result,
    observed: m.candidate,
    stable: m.stable,
    candidate: m.candidate,
    test: m.test,
    threshold: m.threshold,
    detail: m.detail,
    score: j.score,
  }));
  if (j.decision === 'fail') return { decision: 'rollback', reasons: reasons.filter((r) => r.result === 'fail') };
  if (j.decision === 'pass') return { decision: 'continue', reasons };
  return { decision: 'inconclusive', reasons };
}

// The analysis window's status line: time left and the figures so far, per side where the router has them.
function windowLine(o: AnalyseStepOptions, watch: Watch, leftMs: number): string {
  const candidate = watch.samplesOf(o.candidate.version);
  const stable = o.stable ? watch.samplesOf(o.stable.version) : [];
  const served = candidate.filter((s) => s[1] !== 0).map((s) => s[2]);
  const sides = o.stable
    ? `${candidate.length} candidate / ${stable.length} stable requests`
    : `${candidate.length} requests`;
  const p95 = served.length ? ` · p95 ${Math.round(percentile(served, 0.95))} ms` : '';
  return `${o.step.name}: ${formatDuration(leftMs)} left · ${sides} · errors ${errorRate(candidate)}${p95}`;
}

// The same from the judge's evidence, where the requests are counted in Prometheus.
function countedLine(o: AnalyseStepOptions, e: Evidence, leftMs: number): string {
  const { candidate, stable } = e.sides;
  const errors = candidate.requests ? `${((candidate.errors / candidate.requests) * 100).toFixed(1)}%` : '—';
  return `${o.step.name}: ${formatDuration(leftMs)} left · ${candidate.requests} candidate / ${stable.requests} stable requests (Prometheus) · errors ${errors}`;
}

function errorRate(samples: Sample[]): string {
  if (!samples.length) return '—';
  return `${((samples.filter((s) => s[1] === 0 || s[1] >= 500).length / samples.length) * 100).toFixed(1)}%`;
}

export function reasonOf(f: Finding): Record<string, unknown> {
  return {
    rule: f.rule,
    severity: f.severity,
    observed: f.observed,
    threshold: f.threshold,
    window: f.window,
    ...(f.detail ? { detail: f.detail } : {}),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Removed when the time passes, so a long window does not pile listeners on the run's signal.
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
