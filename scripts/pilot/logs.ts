import { UsageError, defineCommand, openEnv } from '@pilot/core';
import { appLogFile, deploymentLogs, followJournal, streamFile } from '@pilot/orchestrator';
import { writeDeploymentReport } from '@pilot/orchestrator/dashboard';

type Entry = { ts: string; event: string; step?: unknown; reason?: unknown };
const line = (e: Entry) => `${e.ts}  ${e.event}${e.step ? ` ${e.step}` : ''}${e.reason ? ` — ${e.reason}` : ''}`;

export const logsCommand = defineCommand({
  name: 'pilot logs',
  summary: "a deployment's journal (default: the newest of the environment), or a release's own output (--app)",
  usage: [
    'pilot logs [ID] [--env E] [-f] [--json]',
    'pilot logs [ID] --html [--env E]',
    'pilot logs --app [--release V] [--env E] [-f]',
  ],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    follow: {
      type: 'boolean',
      short: 'f',
      description:
        'keep printing what is appended (the journal until the deployment ends or pauses; --app until Ctrl-C)',
    },
    app: { type: 'boolean', description: "the release's stdout/stderr (local target) instead of the journal" },
    release: { type: 'string', placeholder: 'V', description: 'with --app: this release (default: the live one)' },
    html: {
      type: 'boolean',
      description: 'write the self-contained report, .pilot/deployments/<ID>/report.html, and print its path',
    },
  },
  examples: [
    'pnpm pilot logs -f',
    'pnpm pilot logs --html',
    'pnpm pilot logs --app -f',
    'pnpm pilot logs --app --release v12-1a2b3c4',
  ],
  async run({ flags, positionals, cwd, log, result, signal }) {
    const ctx = await openEnv(cwd, flags.env, log);
    if (flags.release && !flags.app)
      throw new UsageError(
        'pilot logs: --release picks whose application log to show — add --app (the journal is chosen by its ID instead)',
      );
    if (flags.html && (flags.follow || flags.app))
      throw new UsageError(
        'pilot logs: --html writes the report once, from the journal — leave out --follow and --app',
      );
    if (flags.app) {
      const { file } = await appLogFile(ctx, flags.release);
      // Secrets the service prints are masked as everywhere else.
      await streamFile(file, (lines) => process.stdout.write(log.redactor.text(lines)), Boolean(flags.follow), signal);
      return;
    }
    const logs = await deploymentLogs(ctx, positionals[0]);
    if (!logs)
      throw new UsageError(
        positionals[0]
          ? `no deployment ${positionals[0]} in ${ctx.paths.deployments}`
          : `no deployments on ${ctx.envName} yet`,
      );
    if (flags.html) {
      const file = await writeDeploymentReport({
        root: ctx.root,
        stateDir: ctx.paths.root,
        id: logs.id,
        mask: log.redactor.text,
      });
      result({ id: logs.id, report: file }, `${logs.id} (${logs.view.effective}) — report: ${file}`);
      return;
    }
    if (flags.follow && flags.json)
      throw new UsageError('pilot logs: --follow prints lines as they come; --json prints the journal once — pick one');
    if (!flags.follow) {
      result(logs.entries, () =>
        [`${logs.id} (${logs.view.effective}) — ${logs.path}`, ...logs.entries.map((e) => line(e as Entry))].join('\n'),
      );
      return;
    }
    process.stdout.write(`${logs.id} (${logs.view.effective}) — ${logs.path}\n`);
    for (const e of logs.entries) process.stdout.write(`${log.redactor.text(line(e as Entry))}\n`);
    const status = await followJournal(
      ctx,
      logs.id,
      logs.entries.length,
      (e) => process.stdout.write(`${log.redactor.text(line(e as Entry))}\n`),
      signal,
    );
    process.stdout.write(`${logs.id}: ${status}\n`);
  },
});
