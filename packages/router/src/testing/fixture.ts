import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Release, environmentSchema, freePort } from '@pilot/core';
import { Logger } from '@pilot/core';
import { createLocalTarget } from '../local-target.ts';
import { stopRouter } from '../control.ts';

const DEMO = fileURLToPath(import.meta.resolve('@pilot/demo-app').replace(/index\.ts$/, 'server.ts'));
const TSX = import.meta.resolve('tsx');

/** A throwaway repo root with a local-target environment on free ports, and helpers to make demo releases in it. */
export async function routerFixture(t: { after(fn: () => unknown): void }, target: Record<string, unknown> = {}) {
  // One clean-up, in order: the router (and its releases) first, then the folder that holds its pid file.
  const root = await mkdtemp(join(tmpdir(), 'pilot-router-'));
  const port = await freePort();
  const envInput = {
    port,
    target: {
      kind: 'local',
      adminPort: await freePort(),
      readyProbes: 2,
      drainTimeout: '3s',
      stopGrace: '2s',
      ...target,
    },
  };
  const env = environmentSchema.parse(envInput);
  const log = new Logger({ format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });
  const driver = createLocalTarget({ root, envName: 'test', env, log, readyPath: '/health/ready' });
  // Run first: what would start the router again (a supervisor loop) must end before the router is stopped.
  const beforeStop: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of beforeStop) await fn();
    await stopRouter({ root, envName: 'test' });
    await rm(root, { recursive: true, force: true });
  });
  /** A release running the demo service from source, with extra env (fault injection) in its manifest. */
  const release = async (
    version: string,
    extraEnv: Record<string, string | { fromEnv: string }> = {},
    start?: string[],
  ): Promise<Release> => {
    const dir = join(root, '.pilot', 'releases', version);
    await mkdir(join(dir, 'app'), { recursive: true });
    const manifest = {
      version,
      commit: 'test',
      created: new Date().toISOString(),
      configHash: 'test',
      start: start ?? [process.execPath, '--import', TSX, DEMO],
      env: extraEnv,
    };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { version, dir: join(dir, 'app') };
  };
  /** A pilot.config.ts with this environment as `test`, for tests that run the CLI in `root`. */
  const writeConfig = async (service: Record<string, unknown> = {}) => {
    const config = {
      service: { name: 'demo', dir: '.', start: ['node', 'server.js'], ...service },
      environments: { test: envInput },
    };
    await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
  };
  const url = `http://127.0.0.1:${port}`;
  return {
    root,
    env,
    port,
    url,
    driver,
    release,
    writeConfig,
    beforeStop: (fn: () => unknown) => beforeStop.push(fn),
    routerDir: join(root, '.pilot', 'router', 'test'),
  };
}

/** GETs `n` times and counts answers by X-Release (or status when there is none). */
export async function countReleases(
  url: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    const key = res.headers.get('x-release') ?? `status ${res.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
