import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EnvContext,
  type Logger,
  PilotError,
  type Release,
  type TargetDriver,
  environmentSchema,
  learnSecrets,
  loadConfig,
  statePaths,
  strategySchema,
} from '@pilot/core';
import type { AnalysisPort } from '../analysis/port.ts';
import { type DeployResult, deploy } from '../engine/deploy.ts';
import { reportPath } from '../dashboard/view.ts';
import { collaborators } from '../engine/setup.ts';
import { monitoringUrlOf } from '../engine/urls.ts';
import { resolveCommit } from '../git/git.ts';
import { buildRelease, cloneRelease } from '../release/build.ts';
import { stopLocalEnvironment } from '../wiring/router.ts';
import { runGate } from '../gate/gate.ts';
import { freePort } from './free-port.ts';
import { type LoadStats, startLoad } from './load.ts';

export interface DemoStep {
  release: string;
  expected: DeployResult['outcome'];
  outcome: DeployResult['outcome'];
  reason?: string;
  elapsedMs: number;
  waitedMs: number;
  /** Its report, copied out of the demo's temporary state (kept after the demo). */
  report?: string;
  /** Messages to PILOT_DEMO_WEBHOOK, when set: event and whether it was delivered. */
  notified?: { event: string; ok: boolean; error?: string }[];
}

export interface DemoResult {
  ok: boolean;
  port: number;
  stateDir: string;
  steps: DemoStep[];
  servingAfter?: string;
  traffic: LoadStats;
  elapsedMs: number;
  /** The monitoring page the canaries could be watched on (gone with the demo's router). */
  pageUrl: string;
  /** `pilot gate` on the release serving at the end: the decision, what failed, the sign-off report. */
  gate?: { version: string; go: boolean; failed: string[]; report: string };
}

export interface DemoOptions {
  root: string;
  log: Logger;
  signal: AbortSignal;
  /** Analysis window per canary step (default 2s) and evaluation interval (default 500ms). */
  windowMs?: number;
  intervalMs?: number;
  /** Keep the temp state dir (for inspection). */
  keep?: boolean;
  analysis?: AnalysisPort;
  /** Wraps the local target (the benchmark times shifts and rollbacks through this). */
  wrapTarget?: (target: TargetDriver) => TargetDriver;
}

/**
 * `pilot demo`: builds the demo service into releases v1, v2 and a faulty v3 (ERROR_RATE=0.5 in its manifest), runs the
 * local router on a free port with its own temp state dir (never a running staging's), deploys v1, canaries v2 to 100%
 * under steady traffic, watches v3 get rolled back, stops everything, and says whether it all went as planned.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const loaded = await loadConfig(o.root);
  // The demo opens its own environment rather than through openEnv: it must still mask what the config calls secret.
  learnSecrets(o.log, loaded.config);
  const stateDir = await mkdtemp(join(tmpdir(), 'pilot-demo-'));
  // The router and its helpers find the state dir through PILOT_STATE_DIR, like every Pilot command.
  const previousState = process.env.PILOT_STATE_DIR;
  process.env.PILOT_STATE_DIR = stateDir;
  const port = await freePort();
  const window = `${(o.windowMs ?? 2000) / 1000}s`;
  // PILOT_DEMO_WEBHOOK=<url>: the demo's deployments tell that receiver what they do (Pilot's JSON webhook payload).
  const webhook = process.env.PILOT_DEMO_WEBHOOK
    ? {
        channels: { demo: { kind: 'webhook' as const, urlEnv: 'PILOT_DEMO_WEBHOOK' } },
        timeout: '2s',
        retries: 1,
        templates: {},
      }
    : undefined;
  const env = environmentSchema.parse({
    port,
    rules: ['canary'],
    watch: '0s',
    target: { kind: 'local', adminPort: await freePort(), drainTimeout: '1s', stopGrace: '2s', readyProbes: 1 },
    backup: { paths: ['pilot.config.ts', 'policies'] },
    notify: webhook ? ['demo'] : [],
  });
  const strategy = strategySchema.parse({
    kind: 'canary',
    steps: [5, 25, 50, 100],
    analysisWindow: window,
    interval: `${o.intervalMs ?? 500}ms`,
  });
  const paths = statePaths(stateDir);
  const ctx: EnvContext = {
    ...loaded,
    config: { ...loaded.config, environments: { staging: env }, strategy, notify: webhook },
    envName: 'staging',
    env,
    paths,
    lockOptions: { path: paths.lock('staging'), auditPath: paths.audit },
  };
  const steps: DemoStep[] = [];
  const pageUrl = monitoringUrlOf(env, 'staging');
  const reportsDir = o.keep ? undefined : join(o.root, '.pilot', 'demo-reports');
  if (reportsDir) await mkdir(reportsDir, { recursive: true });
  let traffic: LoadStats = { total: 0, byRelease: {}, failed: 0 };
  let servingAfter: string | undefined;
  let gate: DemoResult['gate'];
  const made = await collaborators(ctx, o.log, o.signal, { analysis: o.analysis });
  const target = o.wrapTarget ? o.wrapTarget(made.target) : made.target;
  const analysis = made.analysis;
  try {
    o.log.info('demo.build', 'building the demo service into releases v1, v2 and a faulty v3 (ERROR_RATE=0.5)');
    const commit = await resolveCommit(o.root, 'HEAD');
    if (!commit) throw new PilotError(`${o.root} has no commit to build the demo from`);
    const v1 = await buildRelease({
      root: o.root,
      configFile: loaded.file,
      config: ctx.config,
      releasesDir: paths.releases,
      commit,
      version: 'v1',
      log: o.log,
      signal: o.signal,
    });
    const v2 = await cloneRelease(paths.releases, 'v1', 'v2', {});
    const v3 = await cloneRelease(paths.releases, 'v1', 'v3', { ERROR_RATE: '0.5' });
    const common = {
      ctx,
      log: o.log,
      signal: o.signal,
      target,
      analysis,
      skipChecks: ['branch', 'clean work tree', 'migration log'],
      skipSteps: ['tag' as const],
    };
    const run = async (release: Release, expected: DeployResult['outcome']) => {
      o.log.info('demo.deploy', `deploying ${release.version} — expected: ${expected}`);
      const result = await deploy({ ...common, release });
      // The state dir goes with the demo (unless --keep): its reports are then kept in the repository's .pilot/demo-reports/.
      const written = result.deploymentId ? reportPath(stateDir, result.deploymentId) : undefined;
      const report = written && reportsDir ? join(reportsDir, `${result.deploymentId}.html`) : written;
      if (written && report !== written) await copyFile(written, report!).catch(() => undefined);
      const notified = result.notifications?.map(({ event, ok, error }) => ({
        event,
        ok,
        ...(error ? { error } : {}),
      }));
      steps.push({
        release: release.version,
        expected,
        outcome: result.outcome,
        reason: result.reason,
        elapsedMs: result.elapsedMs,
        waitedMs: result.waitedMs,
        ...(report ? { report } : {}),
        ...(notified ? { notified } : {}),
      });
      return result;
    };
    await run(v1, 'succeeded');
    const load = startLoad(`http://127.0.0.1:${port}/api/hello`, 200);
    o.log.info('demo.page', `watch the canaries live: ${pageUrl}`, { url: pageUrl });
    try {
      await run(v2, 'succeeded');
      await run(v3, 'rolled_back');
    } finally {
      traffic = await load.stop();
    }
    // Nothing live (every deployment failed) is a 503 in plain text: "serving nothing", not a crash of the demo.
    const hello = await fetch(`http://127.0.0.1:${port}/api/hello`)
      .then((r) => r.json() as Promise<{ version?: string }>)
      .catch(() => ({}) as { version?: string });
    servingAfter = hello.version;
    // The release's story ends with the Go/No-Go decision on what now serves, and its sign-off sheet.
    try {
      const decided = await runGate({
        ctx,
        log: o.log,
        signal: o.signal,
        out: join(reportsDir ?? join(stateDir, 'signoff'), `signoff-staging-${servingAfter ?? 'none'}.md`),
      });
      gate = {
        version: decided.version,
        go: decided.go,
        failed: decided.criteria.filter((c) => c.status === 'fail').map((c) => c.name),
        report: decided.report,
      };
    } catch (error) {
      o.log.warn('demo.gate', `the Go/No-Go gate could not run: ${error instanceof Error ? error.message : error}`);
    }
  } finally {
    await stopLocalEnvironment(ctx, target).catch((error) =>
      o.log.warn('demo.stop', `could not stop the router: ${error instanceof Error ? error.message : error}`),
    );
    if (previousState === undefined) delete process.env.PILOT_STATE_DIR;
    else process.env.PILOT_STATE_DIR = previousState;
    if (!o.keep) await rm(stateDir, { recursive: true, force: true });
  }
  const ok = steps.length === 3 && steps.every((s) => s.outcome === s.expected) && servingAfter === 'v2';
  return {
    ok,
    port,
    stateDir,
    steps,
    servingAfter,
    traffic,
    elapsedMs: Date.now() - started,
    pageUrl,
    ...(gate ? { gate } : {}),
  };
}

/** The demo's story for people. */
export function formatDemo(r: DemoResult): string {
  const lines = [`Pilot demo — router on 127.0.0.1:${r.port}, state in ${r.stateDir}`];
  for (const s of r.steps) {
    lines.push(
      `  ${s.outcome === s.expected ? '✓' : '✗'} ${s.release}: ${s.outcome} (expected ${s.expected}) in ${(s.elapsedMs / 1000).toFixed(1)}s${s.reason ? ` — ${s.reason}` : ''}`,
    );
    if (s.report) lines.push(`      report: ${s.report}`);
    if (s.notified)
      lines.push(
        `      told PILOT_DEMO_WEBHOOK: ${s.notified.map((n) => `${n.event}${n.ok ? '' : ` (failed: ${n.error})`}`).join(' → ')}`,
      );
  }
  const byRelease = Object.entries(r.traffic.byRelease)
    .map(([v, c]) => `${v}: ${c.ok} ok / ${c.errors} 5xx`)
    .join(', ');
  lines.push(
    `  traffic during the canaries: ${r.traffic.total} requests (${byRelease || 'none'}; ${r.traffic.failed} connection errors)`,
  );
  lines.push(`  monitoring page during the canaries: ${r.pageUrl} (stopped with the demo's router)`);
  lines.push(`  serving now: ${r.servingAfter ?? 'nothing'}; router and releases stopped.`);
  if (r.gate) {
    lines.push(
      `  pnpm pilot gate on ${r.gate.version}: ${r.gate.go ? 'GO' : `NO-GO (missing evidence: ${r.gate.failed.join(', ')})`}`,
    );
    lines.push(`      sign-off report: ${r.gate.report}`);
  }
  lines.push(r.ok ? '✓ everything went as planned.' : '✗ the demo did not go as planned (see above).');
  return lines.join('\n');
}
