import { ExitCode, defineCommand, openEnv, pickAction } from '@pilot/core';
import { routerDirOf, routerRunning, startRouter, stopRouter } from '@pilot/router';

export const routerCommand = defineCommand({
  name: 'pilot router',
  summary: 'start, stop or inspect the local router of an environment',
  usage: ['pilot router start [--env E]', 'pilot router stop [--env E]', 'pilot router status [--env E] [--json]'],
  flags: { env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' } },
  async run({ flags, positionals, cwd, log, result }) {
    const action = pickAction('pilot router', positionals[0], ['start', 'stop', 'status'], 'status');
    const ctx = await openEnv(cwd, flags.env, log);
    const location = { root: ctx.root, envName: ctx.envName, env: ctx.env, readyPath: ctx.config.service.health.ready };
    if (action === 'start') {
      const started = await startRouter(location);
      result({ env: ctx.envName, pid: started.pid, started: started.started }, started.started ? `router for ${ctx.envName} started (pid ${started.pid}) on 127.0.0.1:${ctx.env.port}` : `router for ${ctx.envName} already runs (pid ${started.pid})`);
      return;
    }
    if (action === 'stop') {
      const stopped = await stopRouter(location);
      result({ env: ctx.envName, stopped }, stopped ? `router for ${ctx.envName} stopped, with its releases` : `router for ${ctx.envName} was not running`);
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
        const side = (s: { version: string; healthy: boolean; weight: number } | null) => (s ? `${s.version} ${s.weight}%${s.healthy ? '' : ' (unhealthy)'}` : 'none');
        const lines = [`router for ${ctx.envName}: pid ${status.pid}, 127.0.0.1:${status.port}${status.maintenance ? ` — MAINTENANCE: ${status.maintenance.message}` : ''}`, `  stable ${side(status.stable)} · candidate ${side(status.candidate)}`];
        for (const r of status.releases) lines.push(`  ${r.version}: ${r.state}, pid ${r.pid}, port ${r.port}, restarts ${r.restarts}`);
        return lines.join('\n');
      });
      return;
    }
  },
});
