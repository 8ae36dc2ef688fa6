import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort, writeFileAtomic } from '@pilot/core';
import { type ReleaseSettings, type RouterSettings, releaseSettingsOf, routerFiles } from '../config.ts';
import { RouterMetrics } from './metrics.ts';
import { type ProxyOutcome, type RequestHead, type RouteDecision, fieldList, fieldValue } from './proxy.ts';
import { ReleaseProcess, type ReleaseSpec } from './release-process.ts';
import { type RouteTable, candidateTurn, readCookie, stickyBucket } from './routes.ts';

export const ROUTER_HEALTH_PATH = '/_pilot/health';

/** What survives a router restart: routes and the releases that were running (re-probed before they get traffic). */
export interface PersistedState {
  routes: RouteTable;
  /** `settings` absent in the state of an older router: the router's own settings then. */
  releases: { version: string; appDir: string; pid?: number; settings?: ReleaseSettings }[];
}

/** The router: route table, supervised releases, the proxy handler and per-release metrics. */
export class Router {
  readonly settings: RouterSettings;
  readonly routerDir: string;
  readonly metrics = new RouterMetrics();
  routes: RouteTable = { weight: 0 };
  readonly processes = new Map<string, ReleaseProcess>();
  readonly #retireTimers = new Map<string, NodeJS.Timeout>();
  #counter = 0;

  constructor(routerDir: string, settings: RouterSettings) {
    this.routerDir = routerDir;
    this.settings = settings;
  }

  /** Decides one request: the router's own health path, maintenance, or a release by weight (or stickiness). */
  readonly route = (head: RequestHead): RouteDecision<ReleaseProcess> => {
    const routes = this.routes;
    if (head.target === ROUTER_HEALTH_PATH) {
      return { answer: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok', maintenance: Boolean(routes.maintenance) }) } };
    }
    if (routes.maintenance) {
      return { answer: { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' }, body: `${routes.maintenance.message}\n` } };
    }
    const { target, setCookie } = this.#pick(head, routes);
    if (!target) return { answer: { status: 503, headers: { 'content-type': 'text/plain' }, body: 'no healthy release to serve this request\n' } };
    return { upstream: target, setCookie };
  };

  readonly onOutcome = (release: ReleaseProcess, { status, latencyMs }: ProxyOutcome): void => this.metrics.record(release.spec.version, status, latencyMs);

  #pick(head: RequestHead, routes: RouteTable): { target?: ReleaseProcess; setCookie?: string } {
    const stable = routes.stable ? this.processes.get(routes.stable) : undefined;
    const candidate = routes.candidate && routes.weight > 0 ? this.processes.get(routes.candidate) : undefined;
    const stableOk = stable?.routable ? stable : undefined;
    const candidateOk = candidate?.routable ? candidate : undefined;
    if (!stableOk || !candidateOk) return { target: stableOk ?? candidateOk };
    const sticky = this.settings.sticky;
    if (sticky?.cookie) {
      const chosen = readCookie(fieldList(head, 'cookie', '; '), sticky.cookie);
      if (chosen === stableOk.spec.version) return { target: stableOk };
      if (chosen === candidateOk.spec.version) return { target: candidateOk };
    }
    let toCandidate: boolean;
    const headerValue = sticky?.header ? fieldValue(head, sticky.header) : undefined;
    if (headerValue) toCandidate = stickyBucket(headerValue) < routes.weight;
    else toCandidate = candidateTurn(this.#counter++, routes.weight);
    const target = toCandidate ? candidateOk : stableOk;
    const setCookie = sticky?.cookie ? `${sticky.cookie}=${encodeURIComponent(target.spec.version)}; Path=/; HttpOnly; SameSite=Lax` : undefined;
    return { target, setCookie };
  }

  /**
   * Starts (or reuses) a release's process with `settings` (default: the router's) and waits until it is ready; a
   * release that fails is stopped and the error says why.
   */
  async prepare(version: string, appDir: string, settings: ReleaseSettings = releaseSettingsOf(this.settings)): Promise<ReleaseProcess> {
    this.#cancelRetire(version);
    const existing = this.processes.get(version);
    if (existing && existing.state !== 'failed' && existing.state !== 'stopped' && existing.state !== 'stopping') {
      await existing.waitReady(existing.settings.readyTimeoutMs);
      return existing;
    }
    const proc = await this.#start(version, appDir, settings);
    try {
      await proc.waitReady(settings.readyTimeoutMs);
    } catch (error) {
      this.processes.delete(version);
      await proc.stop();
      await this.persist();
      throw error;
    }
    return proc;
  }

  async #start(version: string, appDir: string, settings: ReleaseSettings): Promise<ReleaseProcess> {
    const spec = await readReleaseSpec(version, appDir);
    const proc = new ReleaseProcess(spec, { port: await freePort(), logFile: routerFiles(this.routerDir).releaseLog(version) }, settings);
    this.processes.set(version, proc);
    proc.start();
    await this.persist();
    return proc;
  }

  /** Swaps the whole route table at once; releases it names must be ready. A replaced stable stays warm `keepWarmMs`. */
  async setRoutes(next: RouteTable, keepWarmMs = this.settings.keepWarmMs): Promise<void> {
    for (const version of [next.stable, next.weight > 0 ? next.candidate : undefined]) {
      if (version && !this.processes.get(version)?.routable) throw new RouteError(`release ${version} is not running and ready — prepare it first`);
    }
    const previous = this.routes;
    this.routes = next;
    this.#counter = 0;
    await this.persist();
    // Releases that no longer appear drain and stop (a replaced stable may stay warm).
    for (const version of new Set([previous.stable, previous.candidate])) {
      if (!version || version === next.stable || version === next.candidate) continue;
      this.retire(version, version === previous.stable ? keepWarmMs : 0);
    }
  }

  /** Waits for in-flight requests to finish (drain timeout), then stops the release — now, or after `keepWarmMs`. */
  retire(version: string, keepWarmMs: number): void {
    this.#cancelRetire(version);
    const timer = setTimeout(async () => {
      this.#retireTimers.delete(version);
      const proc = this.processes.get(version);
      if (!proc || version === this.routes.stable || version === this.routes.candidate) return;
      const deadline = Date.now() + proc.settings.drainTimeoutMs;
      while (proc.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      if (version === this.routes.stable || version === this.routes.candidate) return;
      this.processes.delete(version);
      await proc.stop();
      await this.persist();
    }, keepWarmMs);
    this.#retireTimers.set(version, timer);
  }

  #cancelRetire(version: string): void {
    clearTimeout(this.#retireTimers.get(version));
    this.#retireTimers.delete(version);
  }

  async persist(): Promise<void> {
    const state: PersistedState = {
      routes: this.routes,
      releases: [...this.processes.values()].map((p) => ({ version: p.spec.version, appDir: p.spec.appDir, pid: p.pid, settings: p.settings })),
    };
    await writeFileAtomic(routerFiles(this.routerDir).state, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** After a restart: stops orphans of the previous run, starts the releases again; none gets traffic before it is probed ready. */
  async restore(): Promise<void> {
    const state = await readRouterState(this.routerDir);
    if (!state) return;
    for (const release of state.releases) {
      if (release.pid) killGroup(release.pid);
    }
    this.routes = state.routes;
    for (const release of state.releases) {
      if (release.version !== state.routes.stable && release.version !== state.routes.candidate) continue;
      // With the settings it was prepared with. Its readiness is not awaited, and it is kept even if it is slow to become
      // ready: it gets traffic as soon as its probes pass, and stays in the state so that the next restart restores it.
      await this.#start(release.version, release.appDir, release.settings ?? releaseSettingsOf(this.settings)).catch(() => {});
    }
  }

  async stopAll(): Promise<void> {
    for (const timer of this.#retireTimers.values()) clearTimeout(timer);
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    this.processes.clear();
  }

  status() {
    const describe = (version: string | undefined, weight: number) => {
      if (!version) return null;
      const proc = this.processes.get(version);
      return { version, healthy: Boolean(proc?.routable), weight };
    };
    return {
      env: this.settings.envName,
      port: this.settings.port,
      adminPort: this.settings.adminPort,
      pid: process.pid,
      maintenance: this.routes.maintenance ?? null,
      stable: describe(this.routes.stable, this.routes.candidate ? 100 - this.routes.weight : 100),
      candidate: describe(this.routes.candidate, this.routes.weight),
      // `retiring`: kept warm or draining, stopped by the router itself; a release neither routed nor retiring is a stray.
      releases: [...this.processes.values()].map((p) => ({ version: p.spec.version, pid: p.pid, port: p.port, state: p.state, retiring: this.#retireTimers.has(p.spec.version), probesPassed: p.probesPassed, restarts: p.restarts, inFlight: p.inFlight, lastError: p.lastError })),
    };
  }
}

export class RouteError extends Error {}

/** The routes and releases a router persisted in `<routerDir>/state.json` (read without asking, or starting, it). */
export async function readRouterState(routerDir: string): Promise<PersistedState | undefined> {
  try {
    return JSON.parse(await readFile(routerFiles(routerDir).state, 'utf8')) as PersistedState;
  } catch {
    return undefined;
  }
}

async function readReleaseSpec(version: string, appDir: string): Promise<ReleaseSpec> {
  const manifestFile = join(dirname(appDir), 'manifest.json');
  let manifest: { version?: string; start?: string[]; env?: Record<string, string> };
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch (error) {
    throw new RouteError(`release ${version}: cannot read ${manifestFile} (${(error as Error).message}) — build the release first`);
  }
  if (!Array.isArray(manifest.start) || manifest.start.length === 0) throw new RouteError(`release ${version}: ${manifestFile} has no start command`);
  return { version, appDir, start: manifest.start, env: manifest.env ?? {} };
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
  }
}

/** A random admin token. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

