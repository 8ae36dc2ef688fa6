import { commandLine, formatDuration } from '@pilot/core';
import type { DeployResult } from '../engine/deploy.ts';
import type { DeploymentView } from '../state/deployments.ts';

/** The human summary `pnpm pilot` prints at the end: outcome, what to watch, and the exact way back. */
export function formatDeployResult(r: DeployResult): string {
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(
      `Dry run: ${r.strategy} deployment of ${r.release.version} (${r.release.commit?.slice(0, 12)}) to ${r.env} — nothing was changed.`,
      '',
      'Preflight:',
    );
    for (const c of r.preflight) lines.push(`  ${c.ok ? '✓' : c.forced ? '!' : '✗'} ${c.name}: ${c.detail}`);
    lines.push('', 'Plan:');
    for (const [i, s] of r.plan.entries()) lines.push(`  ${String(i + 1).padStart(2)}. ${s.name}`);
    lines.push('', 'Actions (exact commands):');
    for (const a of r.actions ?? [])
      lines.push(`  - [${a.step ?? ''}] ${a.description}${a.command ? `\n      $ ${commandLine`${a.command}`}` : ''}`);
    return lines.join('\n');
  }
  const took = formatDuration(r.elapsedMs);
  switch (r.outcome) {
    case 'succeeded':
      lines.push(`✓ ${r.release.version} is live on ${r.env} (deployment ${r.deploymentId}, ${took}).`);
      break;
    case 'paused':
      lines.push(
        `⏸ deployment ${r.deploymentId} of ${r.release.version} is paused at ${r.pausedAt}: ${r.reason}`,
        `  The environment stays locked. \`pnpm pilot status --env ${r.env}\` shows it.`,
      );
      break;
    case 'rolled_back':
      lines.push(
        `✗ ${r.release.version} was rolled back on ${r.env}: ${r.reason}`,
        `  Traffic is on ${r.stable ?? 'the previous release'}. Deployment ${r.deploymentId}, ${took}.`,
      );
      break;
    default:
      lines.push(`✗ deployment ${r.deploymentId ?? ''} of ${r.release.version} ${r.outcome}: ${r.reason ?? ''}`);
      if (r.undo) lines.push(`  ${r.undo.charAt(0).toUpperCase()}${r.undo.slice(1)}.`);
  }
  lines.push(`  Monitoring: ${r.monitoringUrl}`);
  const failed = (r.notifications ?? []).filter((n) => !n.ok);
  if (r.notifications?.length)
    lines.push(
      `  Notified:   ${r.notifications.length - failed.length} of ${r.notifications.length} messages delivered${failed.length ? ` — failed: ${[...new Set(failed.map((n) => `${n.channel} (${n.error})`))].join('; ')}` : ''}`,
    );
  if (r.outcome === 'succeeded' || r.outcome === 'paused')
    lines.push(
      `  Roll back:  ${r.rollbackCommand ?? `nothing to roll back to (nothing served ${r.env} before ${r.release.version})`}`,
    );
  return lines.join('\n');
}

/** One line per deployment for `pilot status`. */
export function formatDeploymentLine(d: DeploymentView): string {
  const release = (d.data.release as { version?: string } | undefined)?.version ?? '?';
  const step = d.step ? `${d.step.name}${d.step.completed ? ' ✓' : ''}` : '-';
  const weight = typeof d.data.weight === 'number' ? ` ${d.data.weight}%` : '';
  return `${d.id}  ${d.env}  ${release}  ${d.effective}  step ${step}${weight}  ${d.updatedAt ?? ''}`;
}
