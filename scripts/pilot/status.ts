import { ExitCode, UsageError, defineCommand, describeHolder, loadConfig, openEnv } from '@pilot/core';
import { type EnvStatus, deploymentLogs, environmentStatus, formatDeploymentLine } from '@pilot/orchestrator';

export const statusCommand = defineCommand({
  name: 'pilot status',
  summary: 'what serves each environment, its lock, and the open deployment',
  usage: ['pilot status [--env E] [--json]'],
  flags: { env: { type: 'string', placeholder: 'E', description: 'one environment (default: all)' } },
  async run({ flags, cwd, log, result }) {
    const names = flags.env ? [flags.env] : Object.keys((await loadConfig(cwd)).config.environments);
    const statuses: EnvStatus[] = [];
    for (const name of names) statuses.push(await environmentStatus(await openEnv(cwd, name, log)));
    result(statuses, () => statuses.map(human).join('\n\n'));
    return statuses.some((s) => s.open?.effective === 'interrupted') ? ExitCode.failed : ExitCode.ok;
  },
});

function human(s: EnvStatus): string {
  const lines = [`${s.env}: live ${s.live ?? 'none'} · last-known-good ${s.lastKnownGood ?? 'none'} · ${s.lock.held ? describeHolder(s.lock) : 'not locked'}`];
  if (s.open) lines.push(`  open: ${formatDeploymentLine(s.open)}`);
  if (s.next) lines.push(`  next: ${s.next}`);
  if (s.attestation) lines.push(`  attestation of ${s.attestation.version}: ${s.attestation.state}${s.attestation.detail ? ` — ${s.attestation.detail}` : ''}`);
  for (const d of s.recent.filter((d) => d !== s.open).slice(0, 3)) lines.push(`  ${formatDeploymentLine(d)}`);
  return lines.join('\n');
}

export const logsCommand = defineCommand({
  name: 'pilot logs',
  summary: "a deployment's journal (default: the newest of the environment)",
  usage: ['pilot logs [ID] [--env E] [--json]'],
  flags: { env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' } },
  async run({ flags, positionals, cwd, log, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    const logs = await deploymentLogs(ctx, positionals[0]);
    if (!logs) throw new UsageError(positionals[0] ? `no deployment ${positionals[0]} in ${ctx.paths.deployments}` : `no deployments on ${ctx.envName} yet`);
    result(logs.entries, () =>
      [`${logs.id} (${logs.view.effective}) — ${logs.path}`, ...logs.entries.map((e) => `${e.ts}  ${e.event}${e.step ? ` ${e.step}` : ''}${e.reason ? ` — ${e.reason}` : ''}`)].join('\n'),
    );
  },
});
