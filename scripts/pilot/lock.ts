import { ExitCode, UsageError, defineCommand, pickAction, describeHolder, forceReleaseLock, openEnv, readLock } from '@pilot/core';

export const lockCommand = defineCommand({
  name: 'pilot lock',
  summary: 'show or release an environment lock',
  usage: ['pilot lock status [--env E] [--json]', 'pilot lock release --env E --force [--reason TEXT]'],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    force: { type: 'boolean', description: 'required to release a lock this process does not hold' },
    reason: { type: 'string', placeholder: 'TEXT', description: 'why, recorded in the audit log' },
  },
  async run({ flags, positionals, cwd, log, result }) {
    const action = pickAction('pilot lock', positionals[0], ['status', 'release'], 'status');
    const ctx = await openEnv(cwd, flags.env, log);
    if (action === 'status') {
      const status = await readLock(ctx.lockOptions);
      result({ env: ctx.envName, ...status }, status.held ? describeHolder(status) : `environment ${ctx.envName} is not locked`);
      return status.held && status.state === 'interrupted' ? ExitCode.failed : ExitCode.ok;
    }
    if (action === 'release') {
      if (!flags.force) throw new UsageError('pilot lock release: pass --force to drop a lock another deployment holds (it is recorded in the audit log)');
      const previous = await forceReleaseLock(ctx.lockOptions, flags.reason ?? 'pilot lock release --force');
      result({ env: ctx.envName, released: Boolean(previous), previous }, previous ? `released the lock of deployment ${previous.deploymentId} on ${ctx.envName}` : `environment ${ctx.envName} was not locked`);
      return;
    }
  },
});
