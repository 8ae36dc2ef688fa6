import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Everything the router daemon needs, written by `startRouter` into `<routerDir>/router.json` before it spawns the daemon. */
export interface RouterSettings {
  envName: string;
  port: number;
  adminPort: number;
  /** `.pilot/releases` — where release folders (`<version>/app` + `manifest.json`) live. */
  releasesDir: string;
  readyPath: string;
  readyProbes: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
  /** A release silent this long mid-request gets it a 504 (absent in settings written by an older router: 60 s). */
  responseTimeoutMs?: number;
  /** How long a replaced stable release stays running for an instant switch-back (blue-green keep-warm). */
  keepWarmMs: number;
  /** How long `prepare` waits for a release to become ready. */
  readyTimeoutMs: number;
  /** The environment's data folder, PILOT_DATA_DIR for its releases (absent in settings of an older router: none). */
  dataDir?: string;
  /** Client connections held open at most (absent in settings of an older router: the proxy's default). */
  maxConnections?: number;
  /** The header name is lower-cased. */
  sticky?: { cookie?: string; header?: string };
}

/**
 * What a release is started and supervised with. Each release keeps the settings it was prepared with (persisted with
 * it, restored after a router restart): a changed readiness path or timeout applies from the next deployment on.
 */
export type ReleaseSettings = Pick<
  RouterSettings,
  'readyPath' | 'readyProbes' | 'drainTimeoutMs' | 'stopGraceMs' | 'readyTimeoutMs' | 'responseTimeoutMs' | 'dataDir'
>;

export function releaseSettingsOf(s: RouterSettings | ReleaseSettings): ReleaseSettings {
  const { readyPath, readyProbes, drainTimeoutMs, stopGraceMs, readyTimeoutMs, responseTimeoutMs, dataDir } = s;
  return { readyPath, readyProbes, drainTimeoutMs, stopGraceMs, readyTimeoutMs, responseTimeoutMs, dataDir };
}

export const routerFiles = (routerDir: string) => ({
  settings: join(routerDir, 'router.json'),
  state: join(routerDir, 'state.json'),
  token: join(routerDir, 'admin.token'),
  pid: join(routerDir, 'router.pid'),
  log: join(routerDir, 'router.log'),
  releaseLog: (version: string) => join(routerDir, 'logs', `${version}.log`),
});

export async function readSettings(routerDir: string): Promise<RouterSettings> {
  return JSON.parse(await readFile(routerFiles(routerDir).settings, 'utf8')) as RouterSettings;
}
