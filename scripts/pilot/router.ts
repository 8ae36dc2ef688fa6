import { ExitCode, UsageError, defineCommand, openEnv, pickAction } from '@pilot/core';
import {
  installRouterUnit,
  routerDirOf,
  routerRunning,
  routerUnitOptions,
  startRouter,
  stopRouter,
  superviseRouter,
} from '@pilot/router';

const ACTIONS = ['start', 'stop', 'status', 'install'] as const;
// Which action each flag belongs to: anywhere else it is a mistake worth naming (exit 2).
const FLAG_ACTIONS = { foreground: 'start', enable: 'install', 'dry-run': 'install', system: 'install' } as const;

export const routerCommand = defineCommand({
  name: 'pilot router',
  summary: 'start, stop, inspect or install (systemd) the local router of an environment',
  usage: [
    'pilot router start [--env E] [--foreground]',
    'pilot router stop [--env E]',
    'pilot router status [--env E] [--json]',
    'pilot router install [--env E] [--enable] [--system] [--dry-run]',
  ],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    foreground: {
      type: 'boolean',
      description: 'start: run the router in this process until SIGTERM (for systemd or another supervisor)',
    },
    enable: {
      type: 'boolean',
      description: 'install: also link the unit into systemd and start it now and at boot (systemctl --user)',
    },
    system: {
      type: 'boolean',
      description: 'install: a system unit (User=you, systemctl without --user; needs root to enable)',
    },
    'dry-run': { type: 'boolean', description: 'install: print the unit and the systemctl commands, write nothing' },
  },
  async run({ flags, positionals, cwd, log, signal, result }) {
    const action = pickAction('pilot router', positionals[0], [...ACTIONS], 'status');
    for (const [flag, owner] of Object.entries(FLAG_ACTIONS)) {
      if (flags[flag as keyof typeof FLAG_ACTIONS] && action !== owner)
        throw new UsageError(`pilot router ${action}: --${flag} applies to \`pilot router ${owner}\` only — drop it`);
    }
    const ctx = await openEnv(cwd, flags.env, log);
    const location = { root: ctx.root, envName: ctx.envName, env: ctx.env, readyPath: ctx.config.service.health.ready };
    if (action === 'start' && flags.foreground) {
      // The daemon's JSON log lines, and this command's own, go to stdout (the journal under systemd).
      const line = (event: string, fields: Record<string, unknown> = {}) =>
        process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', event, ...fields })}\n`);
      await superviseRouter(location, signal, line);
      return;
    }
    if (action === 'start') {
      const started = await startRouter(location);
      result(
        { env: ctx.envName, pid: started.pid, started: started.started },
        started.started
          ? `router for ${ctx.envName} started (pid ${started.pid}) on 127.0.0.1:${ctx.env.port}`
          : `router for ${ctx.envName} already runs (pid ${started.pid})`,
      );
      return;
    }
    if (action === 'stop') {
      const { wasRunning, orphans } = await stopRouter(location);
      const orphaned = orphans.length
        ? `; stopped ${orphans.length} release process${orphans.length === 1 ? '' : 'es'} its router had left running (${orphans.map((o) => `${o.version} pid ${o.pid}`).join(', ')})`
        : '';
      result(
        { env: ctx.envName, stopped: wasRunning, orphans },
        `${wasRunning ? `router for ${ctx.envName} stopped, with its releases` : `router for ${ctx.envName} was not running`}${orphaned}`,
      );
      return;
    }
    if (action === 'install') {
      const installed = await installRouterUnit(routerUnitOptions(location, flags.system), {
        enable: flags.enable,
        dryRun: flags['dry-run'],
      });
      const how = installed.commands.map((c) => `  ${c.join(' ')}`).join('\n');
      result({ env: ctx.envName, ...installed, dryRun: Boolean(flags['dry-run']) }, () => {
        if (flags['dry-run'])
          return `${installed.unit}\nDry run: nothing written. It would be written to ${installed.file}, then enabled with:\n${how}`;
        if (installed.enabled)
          return `${installed.file}\n${installed.name} is enabled and started: the router of ${ctx.envName} comes back by itself (\`systemctl${flags.system ? '' : ' --user'} status ${installed.name}\`)`;
        return `${installed.file}\nUnit written. To run the router under systemd (stop a router started by hand first: \`pnpm pilot router stop --env ${ctx.envName}\`):\n${how}${flags.system ? '' : `\n  loginctl enable-linger ${routerUnitOptions(location).user}   # start at boot, without a login`}`;
      });
      return;
    }
    if (action === 'status') {
      const running = await routerRunning(routerDirOf(ctx.root, ctx.envName));
      if (!running) {
        result({ env: ctx.envName, running: false }, `router for ${ctx.envName} is not running`);
        return ExitCode.failed;
      }
      const status = await running.client.get<Record<string, any>>('/admin/status');
      result({ running: true, ...status }, () => {
        const side = (s: { version: string; healthy: boolean; weight: number } | null) =>
          s ? `${s.version} ${s.weight}%${s.healthy ? '' : ' (unhealthy)'}` : 'none';
        const supervised = status.supervisor ? `, supervised by systemd (pilot-router-${ctx.envName}.service)` : '';
        const lines = [
          `router for ${ctx.envName}: pid ${status.pid}, 127.0.0.1:${status.port}${supervised}${status.maintenance ? ` — MAINTENANCE: ${status.maintenance.message}` : ''}`,
          `  stable ${side(status.stable)} · candidate ${side(status.candidate)}`,
        ];
        for (const r of status.releases)
          lines.push(`  ${r.version}: ${r.state}, pid ${r.pid}, port ${r.port}, restarts ${r.restarts}`);
        return lines.join('\n');
      });
      return;
    }
  },
});
