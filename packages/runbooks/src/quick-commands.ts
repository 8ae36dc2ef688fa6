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
        {
          command: `pnpm pilot ${e}`,
          what: `deploy HEAD (${config.environments[env]?.strategy?.kind ?? config.strategy.kind})`,
        },
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
      title: 'Decide',
      commands: [
        {
          command: `pnpm pilot gate ${e} --ci-result junit.xml --audit-report audit.json`,
          what: 'Go/No-Go: every criterion with its evidence, and the sign-off report',
        },
        {
          command: `pnpm pilot approve ${e} --release V --role R --key ~/.ssh/id_ed25519`,
          what: 'approve a release, signed with your SSH key',
        },
      ],
    },
    {
      title: 'Back out',
      commands: [
        { command: `pnpm rollback ${e}`, what: 'back to the last known-good release' },
        {
          command: `pnpm pilot maintenance on ${e} --message "Back shortly"`,
          what: 'emergency stop: 503 with a message',
        },
        { command: `pnpm backup-dhash list ${e}`, what: 'backups to restore from' },
      ],
    },
    {
      title: 'Incident',
      commands: [
        {
          command: `pnpm pilot lock hold ${e} --reason "incident"`,
          what: 'freeze: refuse every deployment until released',
        },
        { command: `pnpm pilot lock release ${e}`, what: 'lift the freeze' },
        { command: `pnpm pilot notify test ${e}`, what: "check the environment's channels reach people" },
        { command: `pnpm lcm-export ${e} --since 24h`, what: 'the lifecycle export of the last day, verifiable' },
      ],
    },
  ];
}

export function renderQuickCommands(groups: QuickCommandGroup[]): string {
  const width = Math.max(...groups.flatMap((g) => g.commands.map((c) => c.command.length)));
  return groups
    .map((g) => [`${g.title}:`, ...g.commands.map((c) => `  ${c.command.padEnd(width)}  # ${c.what}`)].join('\n'))
    .join('\n\n');
}
