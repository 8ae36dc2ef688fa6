import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type EnvironmentConfig, PilotError, RefusedError, compiledEntry, loadConfig, parseDuration, serviceDataDir, stateDir, statePaths, writeFileAtomic } from '@pilot/core';
import { type RouterClient, routerClient } from './client.ts';
import { type ReleaseSettings, type RouterSettings, readSettings, releaseSettingsOf, routerFiles } from './config.ts';

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
  if (o.env.target.kind !== 'local') throw new PilotError(`environment ${o.envName} uses the ${o.env.target.kind} target, not the local router`, 2);
  const t = o.env.target;
  const service = await loadConfig(o.root).then((l) => l.config.service, () => undefined);
  const readyPath = o.readyPath ?? service?.health.ready ?? '/health/ready';
  const strategy = o.env.strategy;
  return {
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
}

/** The settings a release prepared now gets (the config as it is now): it keeps them for its life. */
export async function releaseSettingsFor(o: RouterLocation): Promise<ReleaseSettings> {
  return releaseSettingsOf(await settingsFor(o));
}

/** Is the router of this environment running and answering? */
export async function routerRunning(routerDir: string): Promise<{ pid: number; client: RouterClient; settings: RouterSettings } | undefined> {
  let pid: number;
  let settings: RouterSettings;
  try {
    pid = Number(await readFile(routerFiles(routerDir).pid, 'utf8'));
    settings = await readSettings(routerDir);
    process.kill(pid, 0);
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

async function livePid(routerDir: string): Promise<number | undefined> {
  try {
    const pid = Number(await readFile(routerFiles(routerDir).pid, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Starts the router daemon (detached, pid and log files in its folder) unless it already runs; resolves once its admin API answers. */
export async function startRouter(o: RouterLocation): Promise<{ pid: number; client: RouterClient; started: boolean; routerDir: string }> {
  const routerDir = routerDirOf(o.root, o.envName);
  const running = await routerRunning(routerDir);
  if (running) return { ...running, started: false, routerDir };
  await mkdir(routerDir, { recursive: true });
  await writeFileAtomic(routerFiles(routerDir).settings, `${JSON.stringify(await settingsFor(o), null, 2)}\n`);
  await rm(routerFiles(routerDir).pid, { force: true });
  const log = openSync(routerFiles(routerDir).log, 'a');
  // Compiled JavaScript, not TypeScript transpiled at each start: a restarted router serves again sooner.
  const child = spawn(process.execPath, [await compiledEntry(DAEMON, 'router'), routerDir], { detached: true, stdio: ['ignore', log, log], cwd: o.root });
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
  const tail = await readFile(routerFiles(routerDir).log, 'utf8').then((t) => t.trimEnd().split('\n').slice(-3).join('\n  '), () => '');
  const message = `the router for ${o.envName} did not start${tail ? `:\n  ${tail}` : ''} (log: ${routerFiles(routerDir).log})`;
  throw exitCode === 3 ? new RefusedError(message) : new PilotError(message);
}

/** Stops the router and every release process it runs. */
export async function stopRouter(o: { root: string; envName: string }): Promise<boolean> {
  const routerDir = routerDirOf(o.root, o.envName);
  const running = await routerRunning(routerDir);
  // A daemon whose admin API does not answer (busy, or its settings gone) still stops its releases on SIGTERM.
  const pid = running?.pid ?? (await livePid(routerDir));
  if (pid === undefined) return false;
  if (running) await running.client.post('/admin/shutdown').catch(() => process.kill(pid, 'SIGTERM'));
  else process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}
