import { ExitCode, UsageError, defineCommand, openEnv, pickAction } from '@pilot/core';
import { type DeliveryRecord, type NotifyMessage, deliver } from '@pilot/notify';

export const notifyCommand = defineCommand({
  name: 'pilot notify',
  summary: "send a test message to the environment's notification channels and show what each answered",
  usage: ['pilot notify test [--env E] [--channel NAME] [--json]'],
  operands: true,
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment whose channels to try (default: staging)' },
    channel: { type: 'string', placeholder: 'NAME', description: 'only this channel of notify.channels' },
  },
  async run({ flags, positionals, cwd, log, result }) {
    pickAction('pilot notify', positionals[0], ['test'], undefined);
    const ctx = await openEnv(cwd, flags.env, log);
    const notify = ctx.config.notify;
    const defined = Object.keys(notify?.channels ?? {});
    if (flags.channel && !defined.includes(flags.channel))
      throw new UsageError(
        `--channel ${JSON.stringify(flags.channel)} is not in notify.channels of pilot.config.ts — it defines: ${defined.join(', ') || 'none'}`,
      );
    const names = flags.channel ? [flags.channel] : ctx.env.notify;
    if (!notify || names.length === 0)
      throw new UsageError(
        `environment ${ctx.envName} names no notification channel — define notify.channels and add notify: ['<name>'] to environments.${ctx.envName} (README: Notifications)`,
      );
    const sample: NotifyMessage = {
      event: 'deployment.succeeded',
      env: ctx.envName,
      service: ctx.config.service.name,
      version: 'v0-test',
      previous: 'v0-previous',
      durationMs: 0,
      monitoringUrl: ctx.env.monitoringUrl,
      rollbackCommand: `pnpm rollback --env ${ctx.envName}`,
      at: new Date().toISOString(),
      test: true,
    };
    const records: DeliveryRecord[] = await Promise.all(
      names.map(async (name) => ({
        channel: name,
        kind: notify.channels[name].kind,
        event: sample.event,
        ...(await deliver(notify.channels[name], notify, sample, process.env)),
      })),
    );
    const line = (r: DeliveryRecord) =>
      r.ok
        ? `✓ ${r.channel} (${r.kind}): delivered${r.status ? ` (HTTP ${r.status})` : ''}`
        : `✗ ${r.channel} (${r.kind}): ${r.error}`;
    result(records, records.map(line).join('\n'));
    return records.every((r) => r.ok) ? ExitCode.ok : ExitCode.failed;
  },
});
