import { ExitCode, defineCommand, describeHolder, openEnvs } from '@pilot/core';
import { type EnvStatus, environmentStatus, formatDeploymentLine } from '@pilot/orchestrator/status';

export const statusCommand = defineCommand({
  name: 'pilot status',
  summary: 'what serves each environment, its lock, and the open deployment',
  usage: ['pilot status [--env E] [--json]'],
  flags: { env: { type: 'string', placeholder: 'E', description: 'one environment (default: all)' } },
  async run({ flags, cwd, log, result }) {
    const statuses: EnvStatus[] = [];
    for (const ctx of await openEnvs(cwd, flags.env, log)) statuses.push(await environmentStatus(ctx));
    result(statuses, () => statuses.map(human).join('\n\n'));
    return statuses.some((s) => s.open?.effective === 'interrupted') ? ExitCode.failed : ExitCode.ok;
  },
});

function human(s: EnvStatus): string {
  const back = s.live ? (s.rollbackTo ? `\`pnpm rollback\` → ${s.rollbackTo}` : 'nothing to roll back to') : undefined;
  const lines = [
    `${s.env}: live ${s.live ?? 'none'} · last-known-good ${s.lastKnownGood ?? 'none'}${back ? ` · ${back}` : ''} · ${s.lock.held ? describeHolder(s.lock) : 'not locked'}`,
  ];
  if (s.router?.running) {
    const { stable, candidate } = s.router;
    lines.push(
      `  router: ${stable ? `${stable.version} ${stable.healthy ? 'healthy' : 'NOT READY'}` : 'no release'}${candidate ? ` · candidate ${candidate.version} at ${candidate.weight}% ${candidate.healthy ? 'healthy' : 'NOT READY'}` : ''}`,
    );
  }
  for (const problem of s.router?.problems ?? []) lines.push(`  ! ${problem}`);
  if (s.cluster) {
    const { stable, candidate, traffic, namespace } = s.cluster;
    lines.push(
      `  cluster (${namespace}${traffic ? `, ${traffic}` : ''}): ${stable ? `${stable.version} ${stable.healthy ? 'ready' : 'NOT READY'}` : 'no release selected'}${candidate ? ` · candidate ${candidate.version} at ${candidate.weight}% ${candidate.healthy ? 'ready' : 'NOT READY'}` : ''}`,
    );
    for (const problem of s.cluster.problems) lines.push(`  ! ${problem}`);
  }
  if (s.open) lines.push(`  open: ${formatDeploymentLine(s.open)}`);
  if (s.notifications) {
    const { sent, failed, deploymentId } = s.notifications;
    lines.push(
      `  notifications of ${deploymentId}: ${sent} sent${failed.length ? `, ${failed.length} failed (${[...new Set(failed.map((f) => `${f.channel}: ${f.error}`))].join('; ')})` : ''}`,
    );
  }
  if (s.next) lines.push(`  next: ${s.next}`);
  if (s.attestation)
    lines.push(
      `  attestation of ${s.attestation.version}: ${s.attestation.state}${s.attestation.detail ? ` — ${s.attestation.detail}` : ''}`,
    );
  for (const d of s.recent.filter((d) => d !== s.open).slice(0, 3)) lines.push(`  ${formatDeploymentLine(d)}`);
  return lines.join('\n');
}
