import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { UsageError, defineCommand, openEnvs, stateDir } from '@pilot/core';
import { DASHBOARD_PORT, dashboardToken, startDashboardServer } from '@pilot/orchestrator/dashboard';

export const dashboardCommand = defineCommand({
  name: 'pilot dashboard',
  summary:
    'serve the monitoring page of every environment (local routers and command targets) until Ctrl-C; --open adds one-time links that enable actions',
  usage: ['pilot dashboard [--env E] [--port P] [--open] [--json]'],
  flags: {
    env: {
      type: 'string',
      placeholder: 'E',
      description: 'only this environment (default: every environment of pilot.config.ts)',
    },
    port: {
      type: 'string',
      placeholder: 'P',
      description: `loopback port to serve on (default ${DASHBOARD_PORT}; 0 picks a free one)`,
    },
    open: {
      type: 'boolean',
      description:
        'also print (and open, where a browser is at hand) a one-time link per environment: actions without typing the token',
    },
  },
  examples: [
    'pnpm pilot dashboard',
    'pnpm pilot dashboard --env staging --open',
    'pnpm pilot dashboard --port 0 --json',
  ],
  async run({ flags, cwd, log, signal, result }) {
    const port = parsePort(flags.port);
    const contexts = await openEnvs(cwd, flags.env, log);
    const { root } = contexts[0];
    const state = stateDir(root);
    const tokenFile = join(state, 'dashboard', 'admin.token');
    let server: Awaited<ReturnType<typeof startDashboardServer>>;
    try {
      server = await startDashboardServer({
        root,
        stateDir: state,
        environments: contexts.map((c) => ({ name: c.envName, env: c.env })),
        port,
        token: await dashboardToken(tokenFile),
        tokenFile: relative(root, tokenFile) || tokenFile,
        prometheusUrl: process.env.PILOT_PROMETHEUS_URL,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new UsageError(
          `--port ${port}: 127.0.0.1:${port} is already in use — pass another port (--port 0 picks a free one)`,
        );
      throw error;
    }
    const pages = server.pages.map((p) => ({
      env: p.env,
      target: p.target,
      url: p.url,
      ...(p.note ? { note: p.note } : {}),
      ...(flags.open ? { oneTimeLink: server.mintLink(p.env) } : {}),
    }));
    result({ url: server.url, tokenFile: relative(root, tokenFile), environments: pages }, () =>
      [
        `Monitoring page on ${server.url} (Ctrl-C stops it); actions need the token in ${relative(root, tokenFile)} or a one-time link`,
        ...pages.flatMap((p) => [
          `  ${p.env} (${p.target}): ${p.url}${p.note ? ` — ${p.note}` : ''}`,
          ...(p.oneTimeLink ? [`    one-time link (actions in one tab, spent on first use): ${p.oneTimeLink}`] : []),
        ]),
      ].join('\n'),
    );
    if (flags.open && pages[0]?.oneTimeLink) openInBrowser(pages[0].oneTimeLink);
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await server.close();
    log.info('dashboard.stopped', 'monitoring page stopped');
  },
});

function parsePort(value: string | undefined): number {
  if (value === undefined) return DASHBOARD_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new UsageError(
      `--port ${JSON.stringify(value)} is not a port — pass a number from 1 to 65535 (or 0 for any free port)`,
    );
  return port;
}

function openInBrowser(url: string): void {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
