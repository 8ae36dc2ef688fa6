import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  type EnvironmentConfig,
  PilotError,
  RefusedError,
  compiledEntry,
  loadConfig,
  parseDuration,
  serviceDataDir,
  stateDir,
  statePaths,
  writeFileAtomic,
} from '@pilot/core';
import { type RouterClient, routerClient } from './client.ts';
import { type ReleaseSettings, type RouterSettings, readSettings, releaseSettingsOf, routerFiles } from './config.ts';
import { identityOf, isSameProcess, stopVerified } from './daemon/process-identity.ts';
import { baseEnv, passedThrough } from './daemon/release-env.ts';

const DAEMON = fileURLToPath(new URL('./daemon/main.ts', import.meta.url));

export interface RouterLocation {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  /** Readiness path of the service (default: from pilot.config.ts, else /health/ready). */
  readyPath?: string;
}

/** The router's folder for an environment: `.pilot/router/<env>/` (PILOT_STATE_DIR respected). */
export function routerDirOf(root: string, envName: string): string {
  return statePaths(stateDir(root)).router(envName);
}

export function adminPortOf(env: EnvironmentConfig): number {
  return env.target.kind === 'local' && env.target.adminPort ? env.target.adminPort : env.port + 1;
}

async function settingsFor(o: RouterLocation): Promise<RouterSettings> {
  return (await routerSetup(o)).settings;
}

/** The router's settings, and the variables its releases pass through by name (`service.env` values `{ fromEnv }`). */
async function routerSetup(o: RouterLocation): Promise<{ settings: RouterSettings; passThrough: string[] }> {
  if (o.env.target.kind !== 'local')
    throw new PilotError(`environment ${o.envName} uses the ${o.env.target.kind} target, not the local router`, 2);
  const t = o.env.target;
  const service = await loadConfig(o.root).then(
    (l) => l.config.service,
    () => undefined,
  );
  const readyPath = o.readyPath ?? service?.health.ready ?? '/health/ready';
  const strategy = o.env.strategy;
  const settings: RouterSettings = {
    envName: o.envName,
    port: o.env.port,
    adminPort: adminPortOf(o.env),
    releasesDir: statePaths(stateDir(o.root)).releases,
    readyPath,
    readyProbes: t.readyProbes,
    drainTimeoutMs: parseDuration(t.drainTimeout),
    stopGraceMs: parseDuration(t.stopGrace),
    responseTimeoutMs: parseDuration(t.responseTimeout),
    keepWarmMs: strategy?.kind === 'blue-green' ? parseDuration(strategy.keepWarm) : 0,
    dataDir: serviceDataDir(o.root, service?.dataDir, o.envName),
    maxConnections: t.maxConnections,
    readyTimeoutMs: parseDuration(t.readyTimeout),
    // Field names are matched lower-cased: done once here, not per request.
    sticky: t.sticky && { ...t.sticky, header: t.sticky.header?.toLowerCase() },
  };
  return { settings, passThrough: passedThrough(service?.env) };
}

/** The settings a release prepared now gets (the config as it is now): it keeps them for its life. */
export async function releaseSettingsFor(o: RouterLocation): Promise<ReleaseSettings> {
  return releaseSettingsOf(await settingsFor(o));
}

/** `router.pid`: the daemon's pid, then its start time (so that a reused pid is never taken for the router). */
export async function readRouterPid(routerDir: string): Promise<number | undefined> {
  const [pid, startTime] = await readFile(routerFiles(routerDir).pid, 'utf8').then(
    (text) => text.trim().split(/\s+/),
    () => [],
  );
  const now = identityOf(Number(pid));
  // A pid file of an older router holds the pid only: alive is all that can be checked then.
  if (!now || (startTime && now.startTime !== startTime)) return undefined;
  return now.pid;
}

/** Is the router of this environment running and answering? */
export async function routerRunning(
  routerDir: string,
): Promise<{ pid: number; client: RouterClient; settings: RouterSettings } | undefined> {
  let settings: RouterSettings;
  const pid = await readRouterPid(routerDir);
  if (pid === undefined) return undefined;
  try {
    settings = await readSettings(routerDir);
  } catch {
    return undefined;
  }
  const client = routerClient(routerDir, settings.adminPort);
  try {
    await client.get('/admin/status');
  } catch {
    return undefined;
  }
  return { pid, client, settings };
}

/** Starts the router daemon (detached, pid and log files in its folder) unless it already runs; resolves once its admin API answers. */
export async function startRouter(
  o: RouterLocation,
): Promise<{ pid: number; client: RouterClient; started: boolean; routerDir: string }> {
  const routerDir = routerDirOf(o.root, o.envName);
  const running = await routerRunning(routerDir);
  if (running) return { ...running, started: false, routerDir };
  const { entry, env } = await prepareDaemon(o);
  const log = openSync(routerFiles(routerDir).log, 'a');
  const child = spawn(process.execPath, [entry, routerDir], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: o.root,
    env,
  });
  closeSync(log);
  child.unref();
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const up = await routerRunning(routerDir);
    if (up) return { ...up, started: true, routerDir };
    if (exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = await readFile(routerFiles(routerDir).log, 'utf8').then(
    (t) => t.trimEnd().split('\n').slice(-3).join('\n  '),
    () => '',
  );
  const message = `the router for ${o.envName} did not start${tail ? `:\n  ${tail}` : ''} (log: ${routerFiles(routerDir).log})`;
  throw exitCode === 3 ? new RefusedError(message) : new PilotError(message);
}

async function writeRouterSettings(
  o: RouterLocation,
  routerDir: string,
): Promise<{ settings: RouterSettings; passThrough: string[] }> {
  const setup = await routerSetup(o);
  await mkdir(routerDir, { recursive: true });
  await writeFileAtomic(routerFiles(routerDir).settings, `${JSON.stringify(setup.settings, null, 2)}\n`);
  await rm(routerFiles(routerDir).pid, { force: true });
  return setup;
}

/**
 * Everything to spawn the daemon of an environment: router.json written from the config as it is now, the compiled
 * daemon, and its environment — the base variables and those service.env passes through, never the rest of the
 * operator's shell (tokens, passwords). In the foreground, systemd's facts about its unit too (the router says who supervises it).
 */
export async function prepareDaemon(
  o: RouterLocation,
  foreground = false,
): Promise<{ routerDir: string; entry: string; env: Record<string, string> }> {
  const routerDir = routerDirOf(o.root, o.envName);
  const { passThrough } = await writeRouterSettings(o, routerDir);
  const env = baseEnv(process.env);
  for (const name of [...passThrough, ...(foreground ? ['INVOCATION_ID', 'MANAGERPID'] : [])])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  // Compiled JavaScript, not TypeScript transpiled at each start: a restarted router serves again sooner.
  return { routerDir, entry: await compiledEntry(DAEMON, 'router'), env };
}

/** A release process left running by a router that is gone, as `pilot router stop` found and stopped it. */
export interface OrphanRelease {
  version: string;
  pid: number;
}

/**
 * Stops the router and every release process it runs; release processes of the environment that outlived their router
 * (killed, crashed) are found through state.json — verified to be those very processes — and stopped too.
 */
export async function stopRouter(o: {
  root: string;
  envName: string;
}): Promise<{ wasRunning: boolean; orphans: OrphanRelease[] }> {
  const routerDir = routerDirOf(o.root, o.envName);
  const running = await routerRunning(routerDir);
  // A daemon whose admin API does not answer (busy, or its settings gone) still stops its releases on SIGTERM.
  const pid = running?.pid ?? (await readRouterPid(routerDir));
  const supervisor =
    running &&
    (
      await running.client
        .get<{ supervisor?: { kind: string; scope: string } | null }>('/admin/status')
        .catch(() => undefined)
    )?.supervisor;
  if (supervisor) {
    const systemctl = `systemctl${supervisor.scope === 'user' ? ' --user' : ''}`;
    throw new RefusedError(
      `the router for ${o.envName} runs under systemd (pid ${pid}), which would start it again — \`${systemctl} stop pilot-router-${o.envName}\` stops it with its releases`,
    );
  }
  if (pid !== undefined) {
    if (running) await running.client.post('/admin/shutdown').catch(() => process.kill(pid, 'SIGTERM'));
    else process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && identityOf(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    if (identityOf(pid)) process.kill(pid, 'SIGKILL');
  }
  return { wasRunning: pid !== undefined, orphans: await stopOrphans(routerDir) };
}

/** Stops the release processes state.json names that still run as those processes (none once their router stopped them). */
async function stopOrphans(routerDir: string): Promise<OrphanRelease[]> {
  const { readRouterState } = await import('./daemon/router.ts');
  const state = await readRouterState(routerDir);
  const settings = await readSettings(routerDir).catch(() => undefined);
  const orphans = (state?.releases ?? []).filter((r) =>
    isSameProcess({ pid: r.pid, startTime: r.startTime, bootId: r.bootId }),
  );
  await Promise.all(
    orphans.map((r) =>
      stopVerified(
        { pid: r.pid, startTime: r.startTime, bootId: r.bootId },
        r.settings?.stopGraceMs ?? settings?.stopGraceMs ?? 10_000,
      ),
    ),
  );
  return orphans.map((r) => ({ version: r.version, pid: r.pid as number }));
}
