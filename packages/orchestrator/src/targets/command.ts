import { isAbsolute, join } from 'node:path';
import {
  type Logger,
  PilotError,
  type PlanStep,
  type Release,
  type TargetConfig,
  type TargetDriver,
  type TargetStatus,
  shell,
} from '@pilot/core';

type CommandTargetConfig = Extract<TargetConfig, { kind: 'command' }>;
type Phase = 'prepare' | 'shift' | 'promote' | 'rollback' | 'status' | 'dryRun';

export interface CommandTargetOptions {
  config: CommandTargetConfig;
  root: string;
  envName: string;
  log: Logger;
  /** The release serving now, for `{version}` in rollback when no release is named. */
  stable?: () => Promise<Release | undefined>;
  signal?: AbortSignal;
  /** The environment's data folder: `{dataDir}` and PILOT_DATA_DIR for every phase. */
  dataDir?: string;
}

/** Replaces `{version}`, `{weight}`, `{percent}`, `{env}`, `{commit}`, `{dir}`, `{dataDir}` inside each argv element: values never pass through a shell. */
export function expandArgv(argv: string[], vars: Record<string, string>): string[] {
  return argv.map((arg) =>
    arg.replace(/\{(version|weight|percent|env|commit|dir|dataDir)\}/g, (whole, name: string) => vars[name] ?? whole),
  );
}

/** The `command` target: the user's own commands per phase, so any infrastructure (or a batch job) fits. */
export function createCommandTarget(o: CommandTargetOptions): TargetDriver {
  const cwd = o.config.cwd ? (isAbsolute(o.config.cwd) ? o.config.cwd : join(o.root, o.config.cwd)) : o.root;
  const varsOf = (release: Release | undefined, weight?: number): Record<string, string> => ({
    env: o.envName,
    version: release?.version ?? '',
    commit: release?.commit ?? '',
    dir: release?.dir ?? '',
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    ...(weight === undefined ? {} : { weight: String(weight), percent: String(weight) }),
  });
  const argvFor = (phase: Phase, release: Release | undefined, weight?: number) => {
    const argv = o.config[phase];
    return argv ? expandArgv(argv, varsOf(release, weight)) : undefined;
  };
  const run = async (phase: Phase, argv: string[]) => {
    o.log.info('target.command', `${phase}: ${argv.join(' ')}`, { phase });
    // A rollback is the clean-up after an interrupt: it must run to the end, so only forward phases are cancellable.
    const cancelSignal = phase === 'rollback' ? undefined : o.signal;
    const interrupted = () => new PilotError(`${phase} command was interrupted: ${argv.join(' ')}`);
    const env = { PILOT_ENV: o.envName, PILOT_PHASE: phase, ...(o.dataDir ? { PILOT_DATA_DIR: o.dataDir } : {}) };
    const r = await shell({ cwd, nothrow: true, signal: cancelSignal, env })`${argv}`.catch((error: unknown) => {
      if (cancelSignal?.aborted) throw interrupted();
      throw error;
    });
    if (cancelSignal?.aborted) throw interrupted();
    if (r.exitCode !== 0) {
      const tail = r.stdall.trim().split('\n').slice(-10).join('\n');
      throw new PilotError(
        `target ${phase} command failed (exit ${r.exitCode ?? r.signal}): ${argv.join(' ')}${tail ? `\n${tail}` : ''}`,
      );
    }
    return r.stdout;
  };
  return {
    kind: 'command',
    async plan(candidate, weights) {
      const steps: PlanStep[] = [];
      const dry = argvFor('dryRun', candidate);
      if (dry) {
        // The user's launch script with its dry-run flag validates the plan; nothing is changed by it.
        await run('dryRun', dry);
        steps.push({ action: 'dry-run', description: `validated by the dry-run command (exit 0)`, command: dry });
      }
      const prepare = argvFor('prepare', candidate);
      if (prepare) steps.push({ action: 'prepare', description: `prepare ${candidate.version}`, command: prepare });
      for (const weight of weights.filter((w) => w < 100)) {
        steps.push({
          action: 'shift',
          description: `shift ${weight}% to ${candidate.version}`,
          command: argvFor('shift', candidate, weight),
        });
      }
      const promote = argvFor('promote', candidate, 100) ?? argvFor('shift', candidate, 100);
      steps.push({ action: 'promote', description: `promote ${candidate.version} to 100%`, command: promote });
      return steps;
    },
    async prepare(candidate) {
      const argv = argvFor('prepare', candidate, 0);
      if (argv) await run('prepare', argv);
    },
    async shift(candidate, weight) {
      await run('shift', argvFor('shift', candidate, weight)!);
    },
    async promote(candidate) {
      await run(
        o.config.promote ? 'promote' : 'shift',
        (argvFor('promote', candidate, 100) ?? argvFor('shift', candidate, 100))!,
      );
    },
    async rollback(to) {
      const release = to ?? (await o.stable?.());
      await run('rollback', argvFor('rollback', release, 0)!);
    },
    async status(): Promise<TargetStatus> {
      const argv = argvFor('status', undefined);
      if (!argv) return {};
      const out = await run('status', argv);
      try {
        return JSON.parse(out) as TargetStatus;
      } catch {
        return { details: { output: out.trim() } };
      }
    },
  };
}
