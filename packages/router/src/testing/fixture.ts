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
  const env = environmentSchema.parse({ port, target: { kind: 'local', adminPort: await freePort(), readyProbes: 2, drainTimeout: '3s', stopGrace: '2s', ...target } });
  const log = new Logger({ format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });
  const driver = createLocalTarget({ root, envName: 'test', env, log, readyPath: '/health/ready' });
  t.after(async () => {
    await stopRouter({ root, envName: 'test' });
    await rm(root, { recursive: true, force: true });
  });
  /** A release running the demo service from source, with extra env (fault injection) in its manifest. */
  const release = async (version: string, extraEnv: Record<string, string> = {}, start?: string[]): Promise<Release> => {
    const dir = join(root, '.pilot', 'releases', version);
    await mkdir(join(dir, 'app'), { recursive: true });
    const manifest = { version, commit: 'test', created: new Date().toISOString(), configHash: 'test', start: start ?? [process.execPath, '--import', TSX, DEMO], env: extraEnv };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return { version, dir: join(dir, 'app') };
  };
  const url = `http://127.0.0.1:${port}`;
  return { root, env, port, url, driver, release, routerDir: join(root, '.pilot', 'router', 'test') };
}

/** GETs `n` times and counts answers by X-Release (or status when there is none). */
export async function countReleases(url: string, n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    const key = res.headers.get('x-release') ?? `status ${res.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
