import {
  ExitCode,
  UsageError,
  defineCommand,
  describeFreeze,
  describeHolder,
  forceReleaseLock,
  holdFreeze,
  openEnv,
  pickAction,
  readFreeze,
  readLock,
  releaseFreeze,
} from '@pilot/core';

export const lockCommand = defineCommand({
  name: 'pilot lock',
  summary: 'show, hold (freeze deployments) or release an environment lock',
  usage: [
    'pilot lock status [--env E] [--json]',
    'pilot lock hold --env E --reason TEXT',
    'pilot lock release --env E [--force] [--reason TEXT]',
  ],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    force: { type: 'boolean', description: 'release: also drop a lock a deployment holds (its process must be gone)' },
    reason: { type: 'string', placeholder: 'TEXT', description: 'why, recorded in the audit log (required for hold)' },
  },
  async run({ flags, positionals, cwd, log, result }) {
    const action = pickAction('pilot lock', positionals[0], ['status', 'hold', 'release'], 'status');
    if (action === 'hold' && !flags.reason?.trim())
      throw new UsageError(
        'pilot lock hold: --reason is required (e.g. --reason "incident 42: checkout errors"); it is shown to everyone refused',
      );
    const ctx = await openEnv(cwd, flags.env, log);
    if (action === 'status') {
      const status = await readLock(ctx.lockOptions);
      const freeze = await readFreeze(ctx.lockOptions);
      const lines = [
        freeze ? describeFreeze(freeze) : undefined,
        status.held ? describeHolder(status) : `environment ${ctx.envName} is not locked`,
      ].filter(Boolean);
      result({ env: ctx.envName, ...status, frozen: Boolean(freeze), ...(freeze ? { freeze } : {}) }, lines.join('\n'));
      return status.held && status.state === 'interrupted' ? ExitCode.failed : ExitCode.ok;
    }
    if (action === 'hold') {
      const freeze = await holdFreeze(ctx.lockOptions, ctx.envName, flags.reason!.trim());
      result(
        { env: ctx.envName, frozen: true, freeze },
        `froze ${ctx.envName}: every deployment is refused until \`pnpm pilot lock release --env ${ctx.envName}\` (rollbacks still run)`,
      );
      return;
    }
    const status = await readLock(ctx.lockOptions);
    if (!flags.force && status.held && !(await readFreeze(ctx.lockOptions))) {
      throw new UsageError(
        'pilot lock release: pass --force to drop a lock another deployment holds (it is recorded in the audit log)',
      );
    }
    const reason = flags.reason ?? `pilot lock release${flags.force ? ' --force' : ''}`;
    const lifted = await releaseFreeze(ctx.lockOptions, reason);
    const previous = flags.force ? await forceReleaseLock(ctx.lockOptions, reason) : undefined;
    const lines = [
      lifted
        ? `lifted the freeze on ${ctx.envName} (held by ${lifted.by.user} since ${lifted.since}: ${lifted.reason})`
        : undefined,
      previous ? `released the lock of deployment ${previous.deploymentId} on ${ctx.envName}` : undefined,
    ].filter(Boolean);
    result(
      { env: ctx.envName, released: Boolean(previous), previous, unfrozen: Boolean(lifted) },
      lines.join('\n') || `environment ${ctx.envName} was not locked`,
    );
  },
});
