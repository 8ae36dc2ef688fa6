import { InterruptedError, PilotError, parseDuration } from '@pilot/core';
import { createTag, pushTag, tagCommit, tagName } from '../git/tag.ts';
import { buildCommands, buildRelease } from '../release/build.ts';
import { pruneReleases } from '../release/retention.ts';
import { recordHistory } from '../state/history.ts';
import { requireVerifiedAttestation, startAttestation } from '../wiring/attest.ts';
import { runBackup } from '../wiring/backup.ts';
import { gateBuiltRelease } from '../wiring/gate.ts';
import { applyMigrations, lintBeforeTag, migrationsEnabled } from '../wiring/migrate.ts';
import type { StepSpec } from './plan.ts';
import type { DeployRun } from './run.ts';
import { type RunState, VerdictRollback } from './state.ts';
import { baseUrlOf, candidateUrlOf } from './urls.ts';

export interface StepOutcome {
  pause?: { reason: string; dueAt?: string };
}

const intervalOf = (run: DeployRun) => {
  const strategy = run.ctx.env.strategy ?? run.ctx.config.strategy;
  return parseDuration(strategy.interval, 'strategy.interval');
};

/** Runs one step. World-changing actions go through run.runner.ifNotDry, so a dry run walks the same code. */
export async function runStep(run: DeployRun, step: StepSpec): Promise<StepOutcome> {
  const { runner, ctx, state, log } = run;
  switch (step.kind) {
    case 'build': {
      // Given (demo) or built before an interruption; a dry run lists the build of a release it has not built.
      if (state.release?.digest) return {};
      const commit = state.release!.commit!;
      const built = await runner.ifNotDry(
        `build release ${state.release!.version} from ${commit.slice(0, 12)}`,
        () =>
          buildRelease({
            root: ctx.root,
            configFile: ctx.file,
            config: ctx.config,
            releasesDir: ctx.paths.releases,
            commit,
            version: state.release!.version,
            env: run.buildEnv,
            log,
            signal: run.signal,
          }),
        buildCommands({
          config: ctx.config,
          commit,
          version: state.release!.version,
          releasesDir: ctx.paths.releases,
        })[0],
      );
      if (runner.dry)
        for (const command of buildCommands({
          config: ctx.config,
          commit,
          version: state.release!.version,
          releasesDir: ctx.paths.releases,
        }).slice(1))
          runner.actions.push({ step: step.name, description: 'build command', command });
      if (built) {
        state.release = {
          version: built.version,
          dir: built.dir,
          commit: built.commit,
          digest: built.digest,
          etag: built.etag,
          createdAt: built.createdAt,
        };
        log.info('release.built', `release ${built.version} ${built.reused ? 'reused' : 'built'} (${built.digest})`, {
          version: built.version,
          digest: built.digest,
        });
        if (ctx.config.attest.onDeploy) state.attestation = { pid: startAttestation(ctx, built.version, log) };
      } else if (runner.dry && ctx.config.attest.onDeploy) {
        runner.actions.push({
          step: step.name,
          description: 'attest the release in the background (SBOM, signature, provenance)',
          command: ['pnpm', 'attest', '--release', state.release!.version],
        });
      }
      return {};
    }
    case 'dry-run': {
      const steps = await run.target.plan(
        run.candidate(),
        run.plan.filter((s) => s.kind === 'shift' || s.kind === 'promote').map((s) => s.weight ?? 100),
      );
      for (const planned of steps)
        runner.actions.push({
          step: 'target',
          description: planned.description,
          ...(planned.command ? { command: planned.command } : {}),
        });
      if (migrationsEnabled(ctx)) await lintBeforeTag(ctx, log);
      log.info('plan.validated', `target plan validated (${steps.length} actions)`, { target: run.target.kind });
      return {};
    }
    case 'gate': {
      if (runner.dry) {
        runner.actions.push({
          step: step.name,
          description: `Go/No-Go gate on ${state.release!.version} once built (signed approvals must name its digest); NO-GO refuses (exit 3) before the tag`,
          command: ['pnpm', 'pilot', 'gate', '--env', ctx.envName, '--release', state.release!.version],
        });
        return {};
      }
      await gateBuiltRelease(run);
      return {};
    }
    case 'tag': {
      const name = tagName(ctx.config, run.ctx.envName, state.release!.version);
      state.tag = name;
      const created = await runner.ifNotDry(`create annotated tag ${name}`, async () => {
        // Intent first: a kill between creating the tag and step.completed still leaves it in the journal, for undo to delete.
        if (!(await tagCommit(ctx.root, name)))
          await runner.journal('tag.creating', { tag: name, state: { tag: name, tagCreated: true } });
        return createTag(
          ctx.root,
          name,
          state.release!.commit!,
          `pilot: ${ctx.config.service.name} ${state.release!.version} to ${ctx.envName} (deployment ${run.id})`,
        );
      }, [
        'git',
        'tag',
        '-a',
        name,
        state.release!.commit ?? 'HEAD',
        '-m',
        `pilot: ${ctx.config.service.name} ${state.release!.version} to ${ctx.envName}`,
      ]);
      if (created) state.tagCreated = state.tagCreated || created === 'created';
      const remote = ctx.config.git.remote;
      if (remote) {
        await runner.ifNotDry(`push tag ${name} to ${remote}`, async () => {
          // Journalled before the push: a push cut short may still have reached the remote, where undo then deletes it too.
          await runner.journal('tag.pushing', { tag: name, remote, state: { tagPushed: true } });
          state.tagPushed = true;
          await pushTag(ctx.root, remote, name, run.signal);
        }, ['git', 'push', remote, `refs/tags/${name}`]);
      }
      return {};
    }
    case 'backup': {
      const backup = await runner.ifNotDry(
        `back up ${ctx.envName} before the deployment`,
        () => runBackup(ctx, log, 'pre-deploy', run.signal),
        ['pnpm', 'backup-dhash', '--env', ctx.envName],
      );
      if (backup) state.backup = backup;
      return {};
    }
    case 'migrate': {
      const message = `pilot: ${ctx.config.service.name} ${state.release!.version} to ${ctx.envName} (deployment ${run.id})`;
      const migrated = await runner.ifNotDry(
        `apply pending migrations to ${ctx.envName} (dump, lint, dry-run, apply, verify) and commit ${ctx.config.git.migrationLog ?? '.async-migration-log'}`,
        () => applyMigrations(ctx, log, (event, fields) => runner.journal(event, fields), message, run.signal),
        ['pnpm', 'safe-migration', '--env', ctx.envName, '--yes'],
      );
      if (migrated) state.migrations = migrated;
      return {};
    }
    case 'prepare': {
      await runner.ifNotDry(`start ${state.release!.version} beside the stable release (no traffic)`, async () => {
        // Intent first: a kill while the candidate starts leaves `prepared` in the journal, so rollback and abort stop it.
        state.prepared = true;
        await runner.journal('release.preparing', { version: state.release!.version, state: { prepared: true } });
        await run.target.prepare(state.release!);
        await runner.journal('release.prepared', { version: state.release!.version });
      });
      return {};
    }
    case 'shift': {
      await runner.ifNotDry(`shift ${step.weight}% of traffic to ${state.release!.version}`, () =>
        run.target.shift(state.release!, step.weight!),
      );
      if (!runner.dry) state.weight = step.weight;
      return {};
    }
    case 'smoke': {
      if (runner.dry) {
        runner.actions.push({
          step: step.name,
          description: `smoke tests: ${ctx.config.checks.smoke.map((c) => c.name).join(', ') || 'health endpoints'}`,
        });
        return {};
      }
      const url = await candidateUrlOf(run.target, state.release!, ctx.env.port);
      // On its own port the candidate was probed ready by the target before prepare returned: a wrong answer now is final.
      const outcome = await run.analysis.smoke(url, run.signal, { ready: url !== baseUrlOf(ctx.env.port) });
      if (!outcome.passed)
        throw new VerdictRollback(
          `smoke tests failed against ${state.release!.version} at ${url}${outcome.failures ? ` — ${outcome.failures}` : ''}`,
          outcome.results,
        );
      log.info('smoke.passed', `smoke tests passed against ${state.release!.version}`, { url });
      return {};
    }
    case 'analyse':
    case 'watch': {
      if (run.full && step.kind === 'analyse') return {};
      if (runner.dry) {
        runner.actions.push({
          step: step.name,
          description: `analyse for ${step.holdMs! / 1000}s every ${intervalOf(run) / 1000}s with rules ${ctx.env.rules.join(', ')}${step.kind === 'watch' ? ' (post-promotion watch)' : ''}`,
        });
        return {};
      }
      const started = Date.now();
      const phase = step.kind === 'watch' ? 'watch' : step.weight === 0 ? 'pre-promotion' : 'canary';
      // The sequential judge's evidence lives in the run's state: carried from step to step, journalled after each look
      // (a `state` field, so resume rebuilds it from the journal and continues with it rather than from zero).
      const carried = state as RunState & { judge?: Record<string, unknown> };
      const verdict = await run.analysis.analyse({
        phase,
        step,
        candidate: state.release!,
        stable: state.stable,
        baseUrl: baseUrlOf(ctx.env.port),
        candidateUrl: await candidateUrlOf(run.target, state.release!, ctx.env.port),
        holdMs: step.holdMs!,
        intervalMs: intervalOf(run),
        signal: run.signal,
        evidence: carried.judge,
        onEvidence: async (evidence) => {
          carried.judge = evidence;
          await runner.journal('analysis.evidence', { step: step.name, state: { judge: evidence } });
        },
      });
      run.waitedMs += Math.min(Date.now() - started, step.holdMs!);
      // A window cut short by Ctrl-C judged only part of its time: that is an interruption, never a pass.
      if (run.signal.aborted)
        throw new InterruptedError(
          `${step.name} was interrupted after ${Math.round((Date.now() - started) / 1000)}s of its ${step.holdMs! / 1000}s analysis window: no verdict`,
        );
      log.info('analysis.verdict', `${step.name}: ${verdict.decision}`, {
        decision: verdict.decision,
        reasons: verdict.reasons,
      });
      if (verdict.decision === 'rollback')
        throw new VerdictRollback(
          `analysis at ${step.name} says roll back: ${describeReasons(verdict.reasons)}`,
          verdict.reasons,
        );
      if (verdict.decision === 'inconclusive')
        return {
          pause: {
            reason: `analysis at ${step.name} was inconclusive (${describeReasons(verdict.reasons) || 'not enough data'}) — look at the metrics, then \`pnpm pilot promote --env ${ctx.envName}\` or \`pnpm pilot abort --env ${ctx.envName}\``,
          },
        };
      return {};
    }
    case 'pause': {
      if (run.continuePause || run.full) return {};
      if (runner.dry) {
        runner.actions.push({
          step: step.name,
          description: `pause for ${step.reason} (exit 4) until \`pilot promote\` or \`pilot resume\``,
        });
        return {};
      }
      return {
        pause: {
          reason: `${step.reason} — \`pnpm pilot promote --env ${ctx.envName}\` continues, \`pnpm pilot abort --env ${ctx.envName}\` rolls back`,
        },
      };
    }
    case 'wait': {
      if (run.continuePause || run.full) return {};
      if (runner.dry) {
        runner.actions.push({
          step: step.name,
          description: `wait ${step.afterMs! / 1000}s, then \`pilot resume --due\` continues (exit 4 meanwhile)`,
        });
        return {};
      }
      const dueAt = new Date(Date.now() + step.afterMs!).toISOString();
      state.dueAt = dueAt;
      return {
        pause: {
          reason: `next batch is due at ${dueAt} — \`pnpm pilot resume --due\` (from cron) continues it then`,
          dueAt,
        },
      };
    }
    case 'promote': {
      if (ctx.env.requireAttestation) {
        const problems = await runner.ifNotDry(
          `wait for the attestation of ${state.release!.version} and verify it`,
          () => requireVerifiedAttestation(ctx, state.release!.version, log, run.signal),
          ['pnpm', 'attest', 'verify', '--release', state.release!.version],
        );
        if (problems?.length)
          throw new VerdictRollback(
            `${ctx.envName} requires a verified attestation and ${state.release!.version} has none: ${problems.join('; ')}`,
            problems.map((problem) => ({ rule: 'attestation', observed: problem })),
          );
      }
      await runner.ifNotDry(`promote ${state.release!.version} to 100% (the old release drains)`, async () => {
        await run.target.promote(state.release!);
        state.promoted = true;
        state.weight = 100;
        await recordHistory(ctx.paths.root, ctx.envName, 'release.live', {
          version: state.release!.version,
          commit: state.release!.commit,
          deploymentId: run.id,
          via: 'deploy',
        });
      });
      return {};
    }
    case 'finalize': {
      await runner.ifNotDry(`mark ${state.release!.version} last-known-good and release the lock`, async () => {
        await recordHistory(ctx.paths.root, ctx.envName, 'release.lkg', {
          version: state.release!.version,
          commit: state.release!.commit,
          deploymentId: run.id,
        });
        const retire = (run.target as { retire?: (r: unknown) => Promise<void> }).retire;
        if (state.stable && state.stable.version !== state.release!.version && typeof retire === 'function')
          await retire.call(run.target, state.stable);
        // Housekeeping after the release is live: a failure here is reported, never a reason to roll back.
        const removed = await pruneReleases(ctx).catch((error: Error) => {
          log.warn(
            'releases.prune-failed',
            `could not remove old releases (${error.message}) — they stay on disk; the deployment is not affected`,
          );
          return [];
        });
        if (removed.length)
          log.info('releases.pruned', `removed releases no environment needs any more: ${removed.join(', ')}`, {
            removed,
          });
      });
      return {};
    }
    default:
      throw new PilotError(`unknown step kind ${(step as StepSpec).kind}`);
  }
}

/** One clause per reason: a count stays a count ("error_rate: 5 candidate requests, at least 10 needed"), a figure names its threshold. */
export function describeReasons(reasons: Record<string, unknown>[]): string {
  return reasons
    .slice(0, 3)
    .map((r) => {
      const name = String(r.rule ?? r.metric ?? 'check');
      // Not enough data, or a comparison with stable: the analysis's own sentence says it with its units.
      if ((r.noData || r.result !== undefined) && typeof r.detail === 'string') return `${name}: ${r.detail}`;
      const unit = typeof r.detail === 'string' ? ` ${r.detail}` : '';
      return `${name} observed ${fmt(r.observed)}${unit} vs threshold ${fmt(r.threshold)}`;
    })
    .join('; ');
}

const fmt = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : JSON.stringify(v));
