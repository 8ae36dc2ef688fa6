import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EnvContext, JournalWriter, type Logger, UsageError, shell, statePaths } from '@pilot/core';
import { listBackups, verifyBackup } from '@pilot/backup';
import { collaborators, strategyFor } from '../engine/setup.ts';
import { baseUrlOf } from '../engine/urls.ts';
import { planSteps } from '../engine/plan.ts';
import { describeWindows, insideDeployWindow } from '../preflight/windows.ts';
import { readManifest } from '../release/manifest.ts';
import { backupPlanned } from '../wiring/backup.ts';
import { migrationsEnabled } from '../wiring/migrate.ts';
import { type ApprovalCheck, checkApprovals, releaseDigest, signatureContext } from '../state/approvals.ts';
import { currentLive, readHistory } from '../state/history.ts';
import { attestationCriterion } from './attestation.ts';
import { type Criterion, auditCriterion, drillCriterion, readGatePolicy, testsCriterion } from './criteria.ts';
import { GateRefusedError } from './refused.ts';
import { writeSignoffReport } from './report.ts';
import { sloCriterion } from './slo.ts';

const CLI = fileURLToPath(new URL('../../../../scripts/cli.mjs', import.meta.url));

export interface GateOptions {
  ctx: EnvContext;
  log: Logger;
  signal: AbortSignal;
  /** The release decided on (default: the newest release deployed to the environment, else the live one). */
  version?: string;
  ciResult?: string;
  auditReport?: string;
  /** Outside a deploy window: decide anyway (recorded in the report). */
  force?: boolean;
  /** The Markdown report (default .pilot/signoff/<env>-<version>.md); the HTML goes next to it. */
  out?: string;
  /** In a deployment: wait for the background attestation of the release it built (or make it) before judging it. */
  awaitAttestation?: boolean;
  now?: Date;
}

export interface GateResult {
  env: string;
  version: string;
  go: boolean;
  criteria: Criterion[];
  approvals: ApprovalCheck;
  report: string;
  html: string;
}

/** The release the gate decides on when none is named: the newest deployment's, else the live release. */
async function defaultVersion(ctx: EnvContext): Promise<string | undefined> {
  const live = currentLive(await readHistory(ctx.paths.root, ctx.envName));
  return live?.version;
}

/**
 * Evaluates every Go/No-Go criterion with its evidence (never stopping at the first), writes the sign-off report, and
 * says GO only when none failed.
 */
export async function runGate(o: GateOptions): Promise<GateResult> {
  const { ctx } = o;
  const now = o.now ?? new Date();
  const version = o.version ?? (await defaultVersion(ctx));
  if (!version)
    throw new UsageError(
      `pilot gate: nothing deployed to ${ctx.envName} yet — pass --release V (as \`pnpm pilot --dry-run\` prints it)`,
    );
  const manifest = await readManifest(join(ctx.paths.releases, version));
  const policy = await readGatePolicy(ctx.root, ctx.envName);
  const criteria: Criterion[] = [];

  criteria.push(await testsCriterion(o.ciResult, manifest?.commit, ctx.root));

  if (!(await defaultVersion(ctx))) {
    criteria.push({ name: 'health', status: 'n/a', detail: `nothing is live on ${ctx.envName} yet to smoke-test` });
  } else {
    const { analysis } = await collaborators(ctx, o.log, o.signal, { dryRun: true });
    const smoke = await analysis.smoke(baseUrlOf(ctx.env.port), o.signal);
    criteria.push({
      name: 'health',
      status: smoke.passed ? 'pass' : 'fail',
      detail: smoke.passed
        ? `smoke tests pass against ${baseUrlOf(ctx.env.port)}`
        : `smoke tests fail: ${smoke.failures || 'see the evidence'}`,
      evidence: `${smoke.results.length} checks`,
    });
  }

  criteria.push(await sloCriterion(ctx, version, policy.slo, now.getTime()));

  const policyRun = await shell({
    cwd: ctx.root,
    nothrow: true,
    env: { NO_COLOR: '1' },
  })`${process.execPath} ${CLI} policy-check --json`;
  let findings = '';
  try {
    const report = JSON.parse(String(policyRun.stdout)) as {
      findings?: { check?: string; message?: string; file?: string }[];
    };
    findings = (report.findings ?? [])
      .slice(0, 5)
      .map((f) => `${f.check}: ${f.message}${f.file ? ` (${f.file})` : ''}`)
      .join('; ');
  } catch {
    findings = String(policyRun.stderr).trim().split('\n').at(-1) ?? '';
  }
  criteria.push({
    name: 'policy check',
    status: policyRun.exitCode === 0 ? 'pass' : 'fail',
    detail:
      policyRun.exitCode === 0
        ? '`pnpm policy-check` clean'
        : `\`pnpm policy-check\` failed (exit ${policyRun.exitCode})`,
    evidence: findings || undefined,
  });
  criteria.push(await auditCriterion(o.auditReport, policy.auditSeverity));

  criteria.push(
    ctx.env.requireAttestation
      ? await attestationCriterion(ctx, version, o.awaitAttestation ? { log: o.log, signal: o.signal } : undefined)
      : {
          name: 'attestation',
          status: 'n/a',
          detail: `${ctx.envName} does not require attestations (requireAttestation)`,
        },
  );

  criteria.push(await drillCriterion(ctx, policy.rollbackDrillDays, now.getTime()));

  if (ctx.env.backup.enabled) {
    const [newest] = await listBackups(statePaths(ctx.paths.root).backups(ctx.envName));
    if (!newest?.meta)
      criteria.push({
        name: 'backup',
        status: 'fail',
        detail: `no backup of ${ctx.envName} — \`pnpm backup-dhash --env ${ctx.envName}\``,
      });
    else {
      const ageH = (now.getTime() - Date.parse(newest.meta.created)) / 3_600_000;
      const verified = await verifyBackup(newest.path);
      const ok = verified.ok && ageH <= policy.backupMaxAgeHours;
      criteria.push({
        name: 'backup',
        status: ok ? 'pass' : 'fail',
        detail: !verified.ok
          ? `the newest backup failed verification: ${verified.problem}`
          : `${ageH.toFixed(1)}h old (limit ${policy.backupMaxAgeHours}h), verified`,
        evidence: `${newest.path} sha256 ${newest.meta.sha256}`,
      });
    }
  } else {
    criteria.push({ name: 'backup', status: 'n/a', detail: `backups are off for ${ctx.envName}` });
  }

  const inside = insideDeployWindow(ctx.env.windows, now);
  criteria.push({
    name: 'deploy window',
    status: inside || o.force ? 'pass' : 'fail',
    detail: inside
      ? 'inside a deploy window'
      : o.force
        ? `outside the deploy windows (${describeWindows(ctx.env.windows)}) — FORCED with --force`
        : `outside the deploy windows (${describeWindows(ctx.env.windows)}) — wait, or --force (recorded)`,
  });

  const required = ctx.env.approvals;
  const approvals = await checkApprovals(
    ctx.paths.root,
    ctx.envName,
    version,
    required,
    now.getTime(),
    signatureContext(ctx, await releaseDigest(ctx, version)),
  );
  if (required.count > 0 || required.roles.length > 0) {
    criteria.push({
      name: 'approvals',
      status: approvals.ok ? 'pass' : 'fail',
      detail: approvals.ok
        ? `approved by ${[...new Set(approvals.verdicts.filter((v) => v.counts).map((v) => `${v.signer ?? v.approval.approver}${v.signed ? '' : ' (unsigned)'}`))].join(', ')}`
        : `needs ${approvals.missing.join(' and ')}`,
    });
  } else {
    criteria.push({ name: 'approvals', status: 'n/a', detail: `${ctx.envName} requires no approvals` });
  }

  const go = criteria.every((c) => c.status !== 'fail');
  const plan = planSteps({
    strategy: strategyFor(ctx),
    env: ctx.env,
    backup: backupPlanned(ctx),
    migrate: migrationsEnabled(ctx),
    gate: ctx.env.gate,
    firstDeploy: false,
    smokeFirst: false,
  }).map((s) => s.name);
  const written = await writeSignoffReport({
    ctx,
    version,
    digest: manifest?.digest,
    commit: manifest?.commit,
    go,
    criteria,
    approvals,
    plan,
    forced: Boolean(o.force && !inside),
    now,
    out: o.out,
  });
  const audit = await JournalWriter.open(ctx.lockOptions.auditPath);
  await audit.append('gate.decided', {
    env: ctx.envName,
    version,
    go,
    failed: criteria.filter((c) => c.status === 'fail').map((c) => c.name),
    ...(o.force && !inside ? { forced: ['deploy window'] } : {}),
    report: written.md,
  });
  return { env: ctx.envName, version, go, criteria, approvals, report: written.md, html: written.html };
}

/**
 * `pilot` on an environment with `gate: true`: runs the gate for the release built for this deployment and refuses
 * (GateRefusedError, exit 3) on NO-GO with the failing criteria. CI hands in its evidence through PILOT_CI_RESULT and
 * PILOT_AUDIT_REPORT.
 */
export async function assertGate(
  o: Omit<GateOptions, 'ciResult' | 'auditReport' | 'out'> & { version: string },
): Promise<GateResult> {
  const gate = await runGate({
    ...o,
    awaitAttestation: true,
    ciResult: process.env.PILOT_CI_RESULT || undefined,
    auditReport: process.env.PILOT_AUDIT_REPORT || undefined,
  });
  if (gate.go) return gate;
  throw new GateRefusedError(gate);
}
