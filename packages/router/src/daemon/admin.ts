import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ReleaseSettings, releaseSettingsOf } from '../config.ts';
import { RouteError, type Router } from './router.ts';

type Body = Record<string, unknown>;

/** The monitoring page's part of the admin listener: `/ui/` (read-only without a token). */
export interface AdminUi {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** The admin token check, in constant time. */
export function tokenCheck(token: string): (presented: string) => boolean {
  const expected = Buffer.from(token);
  return (presented) => {
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/** The admin API (loopback only, bearer token). Every mutation answers with the new status. */
export function adminHandler(router: Router, token: string, shutdown: () => void, ui?: AdminUi) {
  const isToken = tokenCheck(token);
  const authorised = (req: IncomingMessage) =>
    isToken(/^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  return async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown, type = 'application/json') =>
      res
        .writeHead(status, { 'content-type': type })
        .end(type === 'application/json' ? JSON.stringify(body) : String(body));
    // The page checks the token itself, for its actions only: viewing needs none.
    if (ui) {
      const handled = await ui.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) send(500, { error: error.message });
        return true;
      });
      if (handled) return;
    }
    if (!authorised(req))
      return send(401, { error: 'missing or wrong admin token (see .pilot/router/<env>/admin.token)' });
    const url = new URL(req.url ?? '/', 'http://admin');
    try {
      const body = req.method === 'POST' ? await readBody(req) : {};
      switch (`${req.method} ${url.pathname}`) {
        case 'GET /admin/status':
          return send(200, router.status());
        case 'GET /admin/metrics':
          return send(200, router.metrics.prometheus(), 'text/plain; version=0.0.4');
        case 'GET /admin/samples': {
          const since = Number(url.searchParams.get('since') ?? 0);
          const now = Date.now();
          const releases = Object.fromEntries(
            Object.entries(router.metrics.samples(Number.isFinite(since) ? since : 0, now)).map(
              ([version, samples]) => [
                version,
                {
                  role:
                    version === router.routes.candidate
                      ? 'candidate'
                      : version === router.routes.stable
                        ? 'stable'
                        : 'retired',
                  samples,
                },
              ],
            ),
          );
          return send(200, { now, releases });
        }
        case 'POST /admin/prepare':
          await router.prepare(text(body, 'version'), text(body, 'appDir'), releaseSettings(body, router));
          return send(200, router.status());
        case 'POST /admin/shift': {
          const version = text(body, 'version');
          const weight = Number(body.weight);
          if (!Number.isFinite(weight) || weight < 0 || weight > 100)
            throw new RouteError(`weight ${JSON.stringify(body.weight)} must be a number from 0 to 100`);
          if (version === router.routes.stable)
            throw new RouteError(`release ${version} is already the stable release`);
          await router.setRoutes({ ...router.routes, candidate: version, weight });
          return send(200, router.status());
        }
        case 'POST /admin/promote': {
          const version = text(body, 'version');
          const keepWarmMs = typeof body.keepWarmMs === 'number' && body.keepWarmMs >= 0 ? body.keepWarmMs : undefined;
          await router.setRoutes({ stable: version, weight: 0, maintenance: router.routes.maintenance }, keepWarmMs);
          return send(200, router.status());
        }
        case 'POST /admin/rollback': {
          const to = typeof body.to === 'string' ? body.to : router.routes.stable;
          if (!to) throw new RouteError('there is no stable release to roll back to — pass "to"');
          if (typeof body.appDir === 'string') await router.prepare(to, body.appDir, releaseSettings(body, router));
          await router.setRoutes({ stable: to, weight: 0, maintenance: router.routes.maintenance });
          return send(200, router.status());
        }
        case 'POST /admin/withdraw': {
          // A first release that failed: nothing to go back to, so nothing serves (503) and it stops now, never kept warm.
          const version = text(body, 'version');
          const { routes } = router;
          if (routes.stable === version || routes.candidate === version)
            await router.setRoutes({
              stable: routes.stable === version ? undefined : routes.stable,
              weight: 0,
              maintenance: routes.maintenance,
            });
          // Also when it never became routable (it failed to start): whatever runs of it stops.
          router.retire(version, 0);
          return send(200, router.status());
        }
        case 'POST /admin/maintenance': {
          const on = body.on === true;
          const message = typeof body.message === 'string' && body.message ? body.message : 'Service under maintenance';
          await router.setRoutes({ ...router.routes, maintenance: on ? { message } : undefined });
          return send(200, router.status());
        }
        case 'POST /admin/shutdown':
          send(200, { stopping: true });
          return shutdown();
        default:
          return send(404, { error: `no admin endpoint ${req.method} ${url.pathname}` });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return send(error instanceof RouteError ? 409 : 422, { error: message });
    }
  };
}

/** The release settings a client sent (`settings`), over the router's own for anything it left out. */
function releaseSettings(body: Body, router: Router): ReleaseSettings {
  const given =
    typeof body.settings === 'object' && body.settings !== null ? (body.settings as Partial<ReleaseSettings>) : {};
  const own = releaseSettingsOf(router.settings);
  const valid = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  const number = (key: 'readyProbes' | 'drainTimeoutMs' | 'stopGraceMs' | 'readyTimeoutMs') =>
    valid(given[key]) ? given[key] : own[key];
  return {
    readyPath: typeof given.readyPath === 'string' && given.readyPath.startsWith('/') ? given.readyPath : own.readyPath,
    readyProbes: number('readyProbes'),
    drainTimeoutMs: number('drainTimeoutMs'),
    stopGraceMs: number('stopGraceMs'),
    readyTimeoutMs: number('readyTimeoutMs'),
    responseTimeoutMs: valid(given.responseTimeoutMs) ? given.responseTimeoutMs : own.responseTimeoutMs,
    dataDir: typeof given.dataDir === 'string' ? given.dataDir : own.dataDir,
  };
}

function text(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !value) throw new RouteError(`field "${field}" is required`);
  return value;
}

async function readBody(req: IncomingMessage): Promise<Body> {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 64 * 1024) throw new RouteError('request body too large');
  }
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Body;
  } catch {
    throw new RouteError('request body is not JSON');
  }
}
