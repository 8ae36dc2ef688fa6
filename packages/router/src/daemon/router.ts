import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort, writeFileAtomic } from '@pilot/core';
import { type ReleaseSettings, type RouterSettings, releaseSettingsOf, routerFiles } from '../config.ts';
import { RouterMetrics } from './metrics.ts';
import { type ProxyOutcome, type RequestHead, type RouteDecision, fieldList, fieldValue } from './proxy.ts';
import { type ProcessIdentity, isSameProcess, stopVerified } from './process-identity.ts';
import { type ReleaseEnvValue, releaseEnv } from './release-env.ts';
import { ReleaseProcess, type ReleaseSpec } from './release-process.ts';
import { type RouteTable, candidateTurn, readCookie, stickyBucket } from './routes.ts';

export const ROUTER_HEALTH_PATH = '/_pilot/health';

/** What survives a router restart: routes and the releases that were running (re-probed before they get traffic). */
export interface PersistedState {
  routes: RouteTable;
  /** `settings` absent in the state of an older router: the router's own settings then. */
  releases: PersistedRelease[];
}

/** A release as state.json records it. */
export interface PersistedRelease {
  version: string;
  appDir: string;
  pid?: number;
  settings?: ReleaseSettings;
  /** Its port, and what tells its process apart from a later one with the same pid (absent in an older router's state). */
  port?: number;
  startTime?: string;
  bootId?: string;
}

/** What the router reports about its restore: releases taken over, stopped, or pids left alone because they are no longer them. */
export type RestoreEvent = (
  event: 'release.adopted' | 'release.orphan-stopped' | 'release.pid-not-ours' | 'release.restore-failed',
  fields: Record<string, unknown>,
) => void;

/** The router: route table, supervised releases, the proxy handler and per-release metrics. */
export class Router {
  readonly settings: RouterSettings;
  readonly routerDir: string;
  readonly metrics = new RouterMetrics();
  routes: RouteTable = { weight: 0 };
  readonly processes = new Map<string, ReleaseProcess>();
  readonly #retireTimers = new Map<string, NodeJS.Timeout>();
  #counter = 0;
  #persisting: Promise<void> = Promise.resolve();

  readonly #onEvent: RestoreEvent;

  constructor(routerDir: string, settings: RouterSettings, onEvent: RestoreEvent = () => {}) {
    this.routerDir = routerDir;
    this.settings = settings;
    this.#onEvent = onEvent;
  }

  /** Decides one request: the router's own health path, maintenance, or a release by weight (or stickiness). */
  readonly route = (head: RequestHead): RouteDecision<ReleaseProcess> => {
    const routes = this.routes;
    if (head.target === ROUTER_HEALTH_PATH) {
      return {
        answer: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'ok', maintenance: Boolean(routes.maintenance) }),
        },
      };
    }
    if (routes.maintenance) {
      return {
        answer: {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' },
          body: `${routes.maintenance.message}\n`,
        },
      };
    }
    const { target, setCookie } = this.#pick(head, routes);
    if (!target)
      return {
        answer: {
          status: 503,
          headers: { 'content-type': 'text/plain' },
          body: 'no healthy release to serve this request\n',
        },
      };
    return { upstream: target, setCookie };
  };

  readonly onOutcome = (release: ReleaseProcess, { status, latencyMs }: ProxyOutcome): void =>
    this.metrics.record(release.spec.version, status, latencyMs);

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
    const setCookie = sticky?.cookie
      ? `${sticky.cookie}=${encodeURIComponent(target.spec.version)}; Path=/; HttpOnly; SameSite=Lax`
      : undefined;
    return { target, setCookie };
  }

  /**
   * Starts (or reuses) a release's process with `settings` (default: the router's) and waits until it is ready; a
   * release that fails is stopped and the error says why.
   */
  async prepare(
    version: string,
    appDir: string,
    settings: ReleaseSettings = releaseSettingsOf(this.settings),
  ): Promise<ReleaseProcess> {
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

  async #start(
    version: string,
    appDir: string,
    settings: ReleaseSettings,
    adopt?: { identity: ProcessIdentity; port: number },
  ): Promise<ReleaseProcess> {
    const spec = await readReleaseSpec(version, appDir);
    const port = adopt?.port ?? (await freePort());
    let env: Record<string, string>;
    try {
      env = releaseEnv(spec.env, { version, envName: this.settings.envName, port, dataDir: settings.dataDir });
    } catch (error) {
      throw new RouteError((error as Error).message);
    }
    // A restart after a crash has a new pid: state.json must name it, or the next router would neither adopt nor stop it.
    const onStarted = () => void this.persist().catch(() => {});
    const proc = new ReleaseProcess(
      spec,
      { port, env, onStarted, logFile: routerFiles(this.routerDir).releaseLog(version) },
      settings,
    );
    this.processes.set(version, proc);
    if (adopt) proc.adopt(adopt.identity);
    else proc.start();
    await this.persist();
    return proc;
  }

  /** Swaps the whole route table at once; releases it names must be ready. A replaced stable stays warm `keepWarmMs`. */
  async setRoutes(next: RouteTable, keepWarmMs = this.settings.keepWarmMs): Promise<void> {
    for (const version of [next.stable, next.weight > 0 ? next.candidate : undefined]) {
      if (version && !this.processes.get(version)?.routable)
        throw new RouteError(`release ${version} is not running and ready — prepare it first`);
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

  /** Writes state.json; writes are queued, each with the state as it is when its turn comes. */
  persist(): Promise<void> {
    const write = this.#persisting.then(() => this.#write());
    this.#persisting = write.catch(() => {});
    return write;
  }

  async #write(): Promise<void> {
    const state: PersistedState = {
      routes: this.routes,
      releases: [...this.processes.values()].map(
        (p): PersistedRelease => ({
          version: p.spec.version,
          appDir: p.spec.appDir,
          pid: p.pid,
          settings: p.settings,
          port: p.port,
          startTime: p.identity?.startTime,
          bootId: p.identity?.bootId,
        }),
      ),
    };
    await writeFileAtomic(routerFiles(this.routerDir).state, `${JSON.stringify(state, null, 2)}\n`);
  }

  /**
   * After a restart: a routed release whose process outlived the router (verified: same pid, start time, boot and
   * process group) is taken over as it runs; a routed one that is gone is started again; any other release process
   * of the previous run is stopped. A pid that no longer names that release is left alone. No release gets traffic
   * before it is probed ready.
   */
  async restore(): Promise<void> {
    const state = await readRouterState(this.routerDir);
    if (!state) return;
    this.routes = state.routes;
    const orphans: Promise<unknown>[] = [];
    for (const release of state.releases) {
      const routed = release.version === state.routes.stable || release.version === state.routes.candidate;
      const identity = { pid: release.pid, startTime: release.startTime, bootId: release.bootId };
      const alive = isSameProcess(identity);
      if (release.pid && !alive)
        this.#onEvent('release.pid-not-ours', {
          version: release.version,
          pid: release.pid,
          message: `pid ${release.pid} is no longer release ${release.version} (it exited; the pid may be reused): left alone`,
        });
      if (!routed) {
        if (alive)
          orphans.push(
            stopVerified(identity, release.settings?.stopGraceMs ?? this.settings.stopGraceMs).then(() =>
              this.#onEvent('release.orphan-stopped', { version: release.version, pid: release.pid }),
            ),
          );
        continue;
      }
      const settings = release.settings ?? releaseSettingsOf(this.settings);
      const stopOld = () =>
        stopVerified(identity, settings.stopGraceMs).then(() =>
          this.#onEvent('release.orphan-stopped', { version: release.version, pid: release.pid }),
        );
      // An older router's state has no port: its process cannot be taken over, only replaced.
      if (alive && !release.port) await stopOld();
      const adopt = alive && release.port ? { identity, port: release.port } : undefined;
      // With the settings it was prepared with. Its readiness is not awaited, and it is kept even if it is slow to become
      // ready: it gets traffic as soon as its probes pass, and stays in the state so that the next restart restores it.
      await this.#start(release.version, release.appDir, settings, adopt).then(
        () =>
          adopt && this.#onEvent('release.adopted', { version: release.version, pid: release.pid, port: release.port }),
        async (error: Error) => {
          this.#onEvent('release.restore-failed', { version: release.version, message: error.message });
          if (adopt) await stopOld();
        },
      );
    }
    // Orphans stop in the background: the routed releases serve meanwhile.
    void Promise.all(orphans);
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
      // Set by systemd for a unit's processes (MANAGERPID only under a user manager): stopping it is systemctl's job.
      supervisor: process.env.INVOCATION_ID
        ? { kind: 'systemd', scope: process.env.MANAGERPID ? 'user' : 'system' }
        : null,
      maintenance: this.routes.maintenance ?? null,
      stable: describe(this.routes.stable, this.routes.candidate ? 100 - this.routes.weight : 100),
      candidate: describe(this.routes.candidate, this.routes.weight),
      // `retiring`: kept warm or draining, stopped by the router itself; a release neither routed nor retiring is a stray.
      releases: [...this.processes.values()].map((p) => ({
        version: p.spec.version,
        pid: p.pid,
        port: p.port,
        state: p.state,
        retiring: this.#retireTimers.has(p.spec.version),
        probesPassed: p.probesPassed,
        restarts: p.restarts,
        inFlight: p.inFlight,
        lastError: p.lastError,
      })),
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
  let manifest: { version?: string; start?: string[]; env?: Record<string, ReleaseEnvValue> };
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  } catch (error) {
    throw new RouteError(
      `release ${version}: cannot read ${manifestFile} (${(error as Error).message}) — build the release first`,
    );
  }
  if (!Array.isArray(manifest.start) || manifest.start.length === 0)
    throw new RouteError(`release ${version}: ${manifestFile} has no start command`);
  return { version, appDir, start: manifest.start, env: manifest.env ?? {} };
}

/** A random admin token. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}
