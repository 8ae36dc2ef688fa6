import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Point } from '../series.ts';
import type { ActionName, ActionResult, EnvironmentLink, EnvironmentView, RouterView } from '../view.ts';
import { assetFile } from './assets.ts';

const TICK_MS = 2000;
// The page's files are read once: they only change with a new install (and a new router process).
const cache = new Map<string, Promise<Buffer>>();
const asset = (name: string) => {
  let content = cache.get(name);
  if (!content) {
    content = readFile(assetFile(name));
    cache.set(name, content);
    content.catch(() => cache.delete(name));
  }
  return content;
};
const LINK_MS = 10 * 60_000;
const SESSION_MS = 12 * 3600_000;
const ACTIONS = new Set<ActionName>(['promote', 'promote-full', 'abort', 'resume']);

/** Per-release traffic wherever it is kept (the router's samples, Prometheus): what the charts draw. */
export interface SeriesSource {
  /** The last 15 minutes per release, up to where `tick` continues. */
  snapshot(): Record<string, Point[]> | Promise<Record<string, Point[]>>;
  /** The points closed since the last call. */
  tick(): Record<string, Point[]> | Promise<Record<string, Point[]>>;
  /** Where the points come from, or why there are none (shown above the charts). */
  note?(): string | undefined;
}

export interface UiOptions {
  /** The router's routes and releases now (absent for a target without a router). */
  router?: () => RouterView | Promise<RouterView | undefined>;
  /** The environment from the journal, lock and history. */
  environment: () => Promise<EnvironmentView | undefined>;
  /** 15 minutes of per-release points, and the points closed since the last call of `tick`. */
  series: SeriesSource;
  /** True for the admin token. */
  isAdminToken: (presented: string) => boolean;
  /** Where the admin token is, for the refusal's message (default: the router's). */
  tokenHint?: string;
  /** Every environment's page, for the switcher (a server with one environment leaves it out). */
  environments?: () => EnvironmentLink[];
  /** Runs an action through the CLI's code path, journalled with `actor`. */
  act: (action: ActionName, actor: string) => Promise<ActionResult>;
  /** report.html of a deployment, if written. */
  reportFile: (id: string) => string | undefined;
}

/** The page's HTTP handler, under `/ui/`: answers and returns true for its paths, false for anything else. */
export function createUiHandler(o: UiOptions) {
  // Sent in the page; a mutating request must echo it (another site's form cannot read it).
  const csrf = randomBytes(24).toString('base64url');
  const clients = new Set<ServerResponse>();
  // One-time link tokens (spent when the page redeems them) and the tab sessions they became; in memory only.
  const links = new Map<string, number>();
  const sessions = new Map<string, number>();
  const authorised = (presented: string) => {
    const expires = sessions.get(presented);
    if (expires !== undefined && expires > Date.now()) return true;
    return o.isAdminToken(presented);
  };
  let timer: NodeJS.Timeout | undefined;
  let recording = false;

  const snapshot = async () => ({
    now: Date.now(),
    router: (await o.router?.()) ?? null,
    environment: (await o.environment()) ?? null,
    environments: o.environments?.() ?? null,
    seriesNote: o.series.note?.() ?? null,
  });

  const broadcast = async () => {
    const points = await o.series.tick();
    if (clients.size === 0) return;
    const data = `event: tick\ndata: ${JSON.stringify({ ...(await snapshot()), points })}\n\n`;
    for (const client of clients) client.write(data);
  };
  // One tick for every open page: the journal is read once per tick, not once per viewer.
  const startTicking = () => {
    timer ??= setInterval(() => void broadcast().catch(() => {}), TICK_MS).unref();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://ui');
    if (url.pathname !== '/ui' && !url.pathname.startsWith('/ui/')) return false;
    const send = (status: number, body: unknown) => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
      return true;
    };
    if (url.pathname === '/ui') {
      res.writeHead(302, { location: '/ui/' }).end();
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/ui/') {
      // Styles inline: the first paint waits for no second request.
      const [page, uplotCss, appCss] = await Promise.all(
        ['index.html', 'uplot.css', 'app.css'].map(async (name) => (await asset(name)).toString('utf8')),
      );
      const html = page
        .replace('__CSRF__', csrf)
        .replace('<link rel="stylesheet" href="uplot.css">', () => `<style>${uplotCss}</style>`)
        .replace('<link rel="stylesheet" href="app.css">', () => `<style>${appCss}</style>`);
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
        })
        .end(html);
      return true;
    }
    const file = /^\/ui\/(app\.js|app\.css|uplot\.js|uplot\.css)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && file) {
      const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'max-age=3600' }).end(await asset(file));
      return true;
    }
    if (req.method === 'GET' && url.pathname === '/ui/api/state') {
      const series = await o.series.snapshot();
      return send(200, { ...(await snapshot()), series });
    }
    if (req.method === 'GET' && url.pathname === '/ui/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 2000\n\n');
      clients.add(res);
      startTicking();
      req.on('close', () => {
        clients.delete(res);
        // Nobody watches: stop asking for points (the next tick catches up from where this one ended).
        if (clients.size === 0 && !recording) {
          clearInterval(timer);
          timer = undefined;
        }
      });
      return true;
    }
    const report = /^\/ui\/report\/([A-Za-z0-9._-]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && report) {
      const path = o.reportFile(report);
      const html = path ? await readFile(path, 'utf8').catch(() => undefined) : undefined;
      if (!html)
        return send(404, {
          error: `no report for deployment ${report} yet — \`pnpm pilot logs ${report} --html\` writes it`,
        });
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        })
        .end(html);
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/ui/api/session') {
      if (!sameOrigin(req) || !same(String(req.headers['x-pilot-csrf'] ?? ''), csrf))
        return send(403, { error: 'refused: not from this page' });
      const once = String((JSON.parse((await readBody(req)) || '{}') as { once?: string }).once ?? '');
      const expires = links.get(once);
      links.delete(once);
      if (!expires || expires < Date.now())
        return send(401, {
          error: 'this one-time link was already used or has expired — ask `pnpm pilot dashboard --open` for a new one',
        });
      const token = randomBytes(24).toString('base64url');
      sessions.set(token, Date.now() + SESSION_MS);
      return send(200, { token });
    }
    if (req.method === 'POST' && url.pathname === '/ui/api/action') {
      // Same origin only (the page itself), with the page's CSRF token, and the admin token (or a one-time link's).
      if (!sameOrigin(req))
        return send(403, {
          error: `refused: Origin ${JSON.stringify(req.headers.origin ?? null)} is not this page (http://${req.headers.host ?? ''})`,
        });
      if (!same(String(req.headers['x-pilot-csrf'] ?? ''), csrf))
        return send(403, { error: 'refused: missing or stale CSRF token — reload the page' });
      const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!presented || !authorised(presented))
        return send(401, {
          error: `refused: actions need the admin token (${o.tokenHint ?? '.pilot/router/<env>/admin.token'}) or a one-time link from \`pnpm pilot dashboard --open\``,
        });
      let body: { action?: string; actor?: string };
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return send(422, { error: 'request body is not JSON' });
      }
      if (!ACTIONS.has(body.action as ActionName))
        return send(422, { error: `action ${JSON.stringify(body.action)} is not one of ${[...ACTIONS].join(', ')}` });
      const actor = `${
        String(body.actor ?? '')
          .replace(/[^\w .@-]/g, '')
          .slice(0, 60) || 'anonymous'
      } (dashboard)`;
      const result = await o.act(body.action as ActionName, actor);
      return send(result.ok ? 200 : 409, result);
    }
    return send(404, { error: `no page ${req.method} ${url.pathname}` });
  };

  return {
    handle,
    /** Ends every event stream and the ticker (the router is stopping). */
    close() {
      clearInterval(timer);
      timer = undefined;
      for (const client of clients) client.end();
      clients.clear();
    },
    /** A one-time link token: the page at `/ui/#once=<token>` trades it for a tab session on first use (10 minutes to use it). */
    mintLink(): string {
      // Expired links and sessions go now: the maps stay as small as the links in use.
      for (const map of [links, sessions]) for (const [key, expires] of map) if (expires < Date.now()) map.delete(key);
      const token = randomBytes(24).toString('base64url');
      links.set(token, Date.now() + LINK_MS);
      return token;
    },
    /** Keeps the series fed even with no page open (charts then show the last 15 minutes at once). */
    startRecording() {
      recording = true;
      startTicking();
    },
  };
}

const sameOrigin = (req: IncomingMessage) => req.headers.origin === `http://${req.headers.host ?? ''}`;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 16 * 1024) throw new Error('request body too large');
  }
  return raw;
}
