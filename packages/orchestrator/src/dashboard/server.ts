import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { EnvironmentConfig } from '@pilot/core';
import {
  type EnvironmentLink,
  type EnvironmentView,
  type RouterView,
  type SeriesSource,
  createUiHandler,
} from '@pilot/dashboard';
import { routerDirOf, routerFiles, routerRunning } from '@pilot/router';
import { runPageAction } from './actions.ts';
import { journalRoutes, recentVersions } from './journal-routes.ts';
import { prometheusSeries } from './sources/prometheus-series.ts';
import { routerSeries } from './sources/router-series.ts';
import { environmentView, reportPath } from './view.ts';

export interface DashboardServerOptions {
  root: string;
  stateDir: string;
  environments: { name: string; env: EnvironmentConfig }[];
  /** Loopback port (0: any free one). */
  port: number;
  /** The dashboard's own admin token, accepted on every environment; `tokenFile` is where it is (named in refusals). */
  token: string;
  tokenFile: string;
  /** Prometheus when an environment's config names none. */
  prometheusUrl?: string;
}

export interface DashboardServer {
  url: string;
  pages: (EnvironmentLink & { url: string; note?: string })[];
  /** A one-time link to one environment's page: its token in the fragment, spent on first use. */
  mintLink(env: string): string;
  close(): Promise<void>;
}

type Page = ReturnType<typeof createUiHandler>;

/**
 * `pilot dashboard`: the monitoring page of every environment on one loopback server, `/env/<name>/ui/` — the state
 * under `.pilot/` through `pilot status`'s readers, a local router's routes and traffic through its admin API, a
 * command target's traffic from Prometheus. The same access rules as the router's page; the Host must be this server.
 */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const links: (EnvironmentLink & { note?: string })[] = o.environments.map(({ name, env }) => ({
    env: name,
    href: `/env/${name}/ui/`,
    target: env.target.kind,
  }));
  const pages = new Map<string, Page>();
  for (const { name, env } of o.environments) {
    const page = environmentPage(o, name, env, () => links);
    pages.set(name, page.ui);
    const link = links.find((l) => l.env === name);
    if (link && page.note) link.note = page.note;
  }
  const server = createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
      else res.end();
    });
  });
  let address = '';
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    // Only this server's own name: a page on another host name that resolves to loopback (DNS rebinding) gets nothing.
    if (req.headers.host !== address && req.headers.host !== address.replace('127.0.0.1', 'localhost'))
      return send(421, {
        error: `refused: Host ${JSON.stringify(req.headers.host ?? null)} is not this dashboard (${address})`,
      });
    const url = new URL(req.url ?? '/', `http://${address}`);
    const match = /^\/env\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match) {
      if (url.pathname === '/' || url.pathname === '/ui' || url.pathname === '/ui/')
        return void res.writeHead(302, { location: links[0].href }).end();
      return send(404, {
        error: `no page ${url.pathname} — the environments are at ${links.map((l) => l.href).join(', ')}`,
      });
    }
    const [, name, rest = ''] = match;
    const page = pages.get(name);
    if (!page)
      return send(404, {
        error: `no environment ${JSON.stringify(name)} here — it shows ${links.map((l) => l.env).join(', ')}`,
      });
    if (rest === '' || rest === '/' || rest === '/ui')
      return void res.writeHead(302, { location: `/env/${name}/ui/` }).end();
    // The page's handler answers under /ui/; its links are relative, so they stay under /env/<name>/.
    req.url = `${rest}${url.search}`;
    if (!(await page.handle(req, res))) send(404, { error: `no page ${url.pathname}` });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = `http://${address}`;
  return {
    url: `${base}/`,
    pages: links.map((l) => ({ ...l, url: `${base}${l.href}` })),
    mintLink(env) {
      const page = pages.get(env);
      if (!page) throw new Error(`no environment ${env} on this dashboard`);
      return `${base}/env/${env}/ui/#once=${page.mintLink()}`;
    },
    async close() {
      for (const page of pages.values()) page.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function environmentPage(
  o: DashboardServerOptions,
  name: string,
  env: EnvironmentConfig,
  links: () => EnvironmentLink[],
): { ui: Page; note?: string } {
  const routerDir = routerDirOf(o.root, name);
  const view = shortLived(() => environmentView({ stateDir: o.stateDir, envName: name }));
  const isDashboardToken = sameSecret(o.token);
  let router: (() => Promise<RouterView | undefined>) | undefined;
  let series: SeriesSource;
  let note: string | undefined;
  let routerToken = (_presented: string) => false;
  if (env.target.kind === 'local') {
    const client = async () => (await routerRunning(routerDir))?.client;
    router = async () => (await client())?.get<RouterView>('/admin/status');
    series = routerSeries(client);
    // The router's own token works here as on its page.
    routerToken = (presented) => {
      try {
        return sameSecret(readFileSync(routerFiles(routerDir).token, 'utf8').trim())(presented);
      } catch {
        return false;
      }
    };
  } else {
    const kind = env.target.kind;
    router = async () => journalRoutes(await view(), kind);
    const url = env.prometheus?.url ?? o.prometheusUrl;
    if (env.prometheus && url)
      series = prometheusSeries({
        config: env.prometheus,
        env: name,
        url,
        versions: async () => recentVersions(await view()),
      });
    else {
      note = env.prometheus
        ? `no Prometheus URL: set environments.${name}.prometheus.url or PILOT_PROMETHEUS_URL`
        : `no charts: the ${kind} target's traffic comes from Prometheus — set environments.${name}.prometheus`;
      series = { snapshot: () => ({}), tick: () => ({}), note: () => note };
    }
  }
  const ui = createUiHandler({
    router,
    environment: view,
    series,
    isAdminToken: (presented) => isDashboardToken(presented) || routerToken(presented),
    tokenHint: o.tokenFile,
    environments: links,
    act: (action, actor) =>
      runPageAction(
        {
          root: o.root,
          stateDir: o.stateDir,
          envName: name,
          logFile: join(o.stateDir, 'dashboard', 'logs', `${name}-actions.log`),
        },
        action,
        actor,
      ),
    reportFile: (id) => reportPath(o.stateDir, id),
  });
  return { ui, note };
}

// The page asks for the routes and the environment one after the other: the journal is read once for both.
function shortLived(read: () => Promise<EnvironmentView>): () => Promise<EnvironmentView> {
  let last: { at: number; value: Promise<EnvironmentView> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 500) last = { at: Date.now(), value: read() };
    last.value.catch(() => (last = undefined));
    return last.value;
  };
}

function sameSecret(secret: string): (presented: string) => boolean {
  const expected = Buffer.from(secret);
  return (presented) => {
    const given = Buffer.from(presented);
    return secret.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  };
}
