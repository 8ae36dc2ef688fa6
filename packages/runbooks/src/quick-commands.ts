import type { PilotConfig } from '@pilot/core';

export interface QuickCommandGroup {
  title: string;
  commands: { command: string; what: string }[];
}

/** The commands an operator reaches for, for one environment, ready to copy-paste. */
export function quickCommands(config: PilotConfig, env: string): QuickCommandGroup[] {
  const e = `--env ${env}`;
  return [
    {
      title: 'Look',
      commands: [
        { command: `pnpm pilot status ${e}`, what: 'what serves, the lock, the open deployment' },
        { command: `pnpm pilot logs ${e}`, what: "the newest deployment's journal" },
        { command: `pnpm deploy-dryrun ${e}`, what: 'the plan of a deployment, changing nothing' },
      ],
    },
    {
      title: 'Deploy',
      commands: [
        { command: `pnpm pilot ${e}`, what: `deploy HEAD (${config.environments[env]?.strategy?.kind ?? config.strategy.kind})` },
        { command: `pnpm pilot promote ${e}`, what: 'continue a paused deployment' },
        { command: `pnpm pilot abort ${e}`, what: 'roll back the open deployment' },
      ],
    },
    {
      title: 'Watch',
      commands: [
        { command: `pnpm smoke-tests ${e}`, what: 'health and smoke checks now' },
        { command: `pnpm monitor ${e} --duration 60m`, what: 'watch for an hour against the rules' },
      ],
    },
    {
      title: 'Back out',
      commands: [
        { command: `pnpm rollback ${e}`, what: 'back to the last known-good release' },
        { command: `pnpm pilot maintenance on ${e} --message "Back shortly"`, what: 'emergency stop: 503 with a message' },
        { command: `pnpm backup-dhash list ${e}`, what: 'backups to restore from' },
      ],
    },
  ];
}

export function renderQuickCommands(groups: QuickCommandGroup[]): string {
  const width = Math.max(...groups.flatMap((g) => g.commands.map((c) => c.command.length)));
  return groups.map((g) => [`${g.title}:`, ...g.commands.map((c) => `  ${c.command.padEnd(width)}  # ${c.what}`)].join('\n')).join('\n\n');
}
