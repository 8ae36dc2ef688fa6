import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onPath } from '../exec/on-path.ts';
import { shell } from '../exec/shell.ts';
import { freePort } from '../net.ts';
import { pgBin } from '../pg-bin.ts';

const INITDB = pgBin('initdb');
const PG_BIN = INITDB.includes('/') && existsSync(INITDB) ? dirname(INITDB) : undefined;

/** Why a service-backed test cannot run here, or undefined when it can. */
export const missing = {
  postgres: PG_BIN ? undefined : 'PostgreSQL binaries not found (apt-get install postgresql)',
  redis: onPath('redis-server') ? undefined : 'redis-server not found (apt-get install redis-server)',
  prometheus: onPath('prometheus') ? undefined : 'prometheus not found (apt-get install prometheus)',
};

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** A running throwaway PostgreSQL cluster. */
export interface TestPostgres {
  /** URL of the `postgres` database, superuser `pilot`, no password (trust on loopback). */
  url: string;
  /** Folder holding initdb, pg_dump, pg_restore… of the version that runs the cluster. */
  bin: string;
  /** Creates an empty database and returns its URL (one per test keeps tests independent). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** A throwaway PostgreSQL cluster on a free loopback port (as the `postgres` user when run as root: initdb refuses root). */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    await chown(dir, await idOf('-u', 'postgres'), await idOf('-g', 'postgres'));
  }
  const run = (bin: string, args: string[]) =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN!, bin), ...args]] : [join(PG_BIN!, bin), args]) as [
      string,
      string[],
    ];
  const [initCmd, initArgs] = run('initdb', ['-D', data, '-U', 'pilot', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const init = await shell({ nothrow: true })`${initCmd} ${initArgs}`;
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const [cmd, args] = run('postgres', ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F']);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const url = `postgres://pilot@127.0.0.1:${port}/postgres`;
  const pg = (await import('pg')).default;
  await waitFor(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
    return true;
  }, 'PostgreSQL');
  return {
    url,
    bin: PG_BIN!,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${encodeURIComponent(name)}`);
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const { createConnection } = await import('node:net');
  await waitFor(
    () =>
      new Promise((resolve) =>
        createConnection(port, '127.0.0.1')
          .once('connect', function (this: import('node:net').Socket) {
            this.destroy();
            resolve(true);
          })
          .once('error', () => resolve(false)),
      ),
    'redis-server',
  );
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** A scrape target, with labels Prometheus adds to its series (as relabelling adds a pod's `version` on Kubernetes). */
export type PrometheusTarget = string | { address: string; labels: Record<string, string> };

/** A throwaway Prometheus scraping `targets` every second, with its own storage dir. */
export async function startPrometheus(targets: PrometheusTarget[]): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-prom-'));
  const port = await freePort();
  // JSON is YAML: each target its own static group, so each can carry its own labels.
  const groups = targets.map((t) =>
    typeof t === 'string' ? { targets: [t] } : { targets: [t.address], labels: t.labels },
  );
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'demo', static_configs: groups }],
  };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 'Prometheus');
  return {
    url,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `id -u user` or `id -g user`. */
async function idOf(which: '-u' | '-g', user: string): Promise<number> {
  return Number((await shell()`id ${which} ${user}`).stdout.trim());
}
