import { spawn } from 'node:child_process';
import { defineCommand, loadConfig, openEnv } from '@pilot/core';
import { adminPortOf, routerDirOf, routerRunning } from '@pilot/router';

interface PageEntry {
  env: string;
  url?: string;
  /** With --open: a link that enables actions in one browser tab, spent on first use (10 minutes to use it). */
  oneTimeLink?: string;
  note?: string;
}

export const dashboardCommand = defineCommand({
  name: 'pilot dashboard',
  summary: "the monitoring page of each environment (the local router's /ui/); --open prints a one-time link that enables its actions",
  usage: ['pilot dashboard [--env E] [--open] [--json]'],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'only this environment (default: every environment of pilot.config.ts)' },
    open: { type: 'boolean', description: 'also print (and open, where a browser is at hand) a one-time link: actions without typing the token' },
  },
  examples: ['pnpm pilot dashboard', 'pnpm pilot dashboard --env staging --open'],
  async run({ flags, cwd, log, result }) {
    const names = flags.env ? [flags.env] : Object.keys((await loadConfig(cwd)).config.environments);
    const pages: PageEntry[] = [];
    for (const name of names) {
      const ctx = await openEnv(cwd, name, log);
      if (ctx.env.target.kind !== 'local') {
        pages.push({ env: ctx.envName, note: `the ${ctx.env.target.kind} target has no page yet — \`pnpm pilot status --env ${ctx.envName}\` and your own monitoring` });
        continue;
      }
      const url = `http://127.0.0.1:${adminPortOf(ctx.env)}/ui/`;
      const running = await routerRunning(routerDirOf(ctx.root, ctx.envName));
      if (!running) {
        pages.push({ env: ctx.envName, url, note: `its router is not running — \`pnpm pilot router start --env ${ctx.envName}\`` });
        continue;
      }
      const entry: PageEntry = { env: ctx.envName, url };
      if (flags.open) {
        // The token is in the fragment: browsers never send it, so no server or proxy log holds it.
        const { path } = await running.client.post<{ path: string }>('/admin/ui-link');
        entry.oneTimeLink = `http://127.0.0.1:${adminPortOf(ctx.env)}${path}`;
        openInBrowser(entry.oneTimeLink);
      }
      pages.push(entry);
    }
    result(pages, () =>
      pages
        .map((p) => [`${p.env}: ${p.url ?? '(no page)'}${p.note ? ` — ${p.note}` : ''}`, ...(p.oneTimeLink ? [`  one-time link (actions in one tab, spent on first use): ${p.oneTimeLink}`] : [])].join('\n'))
        .join('\n'),
    );
  },
});

function openInBrowser(url: string): void {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
