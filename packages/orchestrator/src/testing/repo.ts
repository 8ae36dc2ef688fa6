import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledEntry, Logger, shell } from '@pilot/core';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, 'fixtures');
export const REPO_ROOT = join(here, '..', '..', '..', '..');
export const PILOT = join(REPO_ROOT, 'scripts', 'pilot.ts');
export const ROLLBACK = join(REPO_ROOT, 'scripts', 'rollback.ts');

export interface TestRepo {
  root: string;
  /** The stand-in infrastructure's state file ({stable, candidate, weight}). */
  infraState: string;
  port: number;
  service?: ChildProcess;
  cleanup(): Promise<void>;
  commit(message: string, file?: string): Promise<string>;
}

export interface RepoOptions {
  strategy?: Record<string, unknown>;
  env?: Record<string, unknown>;
  /** More environments: staging's settings with these overrides. */
  extraEnvs?: Record<string, Record<string, unknown>>;
  git?: Record<string, unknown>;
  /** `attest` settings (default: no background attestation, which most tests do not look at). */
  attest?: Record<string, unknown>;
  migrations?: Record<string, unknown>;
  /** `service` settings over the default (e.g. a `build` command). */
  serviceConfig?: Record<string, unknown>;
  /** Start the stand-in service on the environment's port (default true). */
  service?: boolean;
  /** Top-level config keys over the default (e.g. `judge`, `checks`). */
  config?: Record<string, unknown>;
}

/** A throwaway git repository with a pilot.config.ts whose staging uses the `command` target over the stand-in infra. */
export async function makeRepo(o: RepoOptions = {}): Promise<TestRepo> {
  const base = await mkdtemp(join(tmpdir(), 'pilot-orch-'));
  const root = join(base, 'repo');
  const infraState = join(base, 'infra.json');
  await mkdir(join(root, 'svc'), { recursive: true });
  await mkdir(join(root, 'policies'), { recursive: true });
  await copyFile(join(REPO_ROOT, 'policies', 'rules.yaml'), join(root, 'policies', 'rules.yaml'));
  await writeFile(join(root, 'svc', 'server.mjs'), "console.log('the service');\n");
  await writeFile(join(root, '.gitignore'), '.pilot/\n');
  let service: ChildProcess | undefined;
  let port = 0;
  if (o.service !== false) {
    service = spawn(process.execPath, [join(FIXTURES, 'service.mjs'), infraState, join(root, '.pilot', 'releases')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    port = await new Promise<number>((resolve, reject) => {
      service!.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
      service!.once('exit', (code) => reject(new Error(`stand-in service exited ${code}`)));
    });
  }
  const infra = (phase: string, ...rest: string[]) => ['node', join(FIXTURES, 'infra.mjs'), infraState, phase, ...rest];
  const env = {
    port: port || 1,
    branch: 'main',
    watch: '0s',
    rules: ['canary'],
    target: {
      kind: 'command',
      prepare: infra('prepare', '{version}', '0', '{dir}'),
      shift: infra('shift', '{version}', '{percent}'),
      promote: infra('promote', '{version}', '100', '{dir}'),
      rollback: infra('rollback', '{version}'),
      status: infra('status'),
      dryRun: infra('dry-run', '{version}'),
    },
    ...o.env,
  };
  const config = {
    service: { name: 'svc', dir: 'svc', start: ['node', 'server.mjs'], ...o.serviceConfig },
    environments: {
      staging: env,
      ...Object.fromEntries(Object.entries(o.extraEnvs ?? {}).map(([name, extra]) => [name, { ...env, ...extra }])),
    },
    strategy: o.strategy ?? { kind: 'canary', steps: [50, 100], analysisWindow: '600ms', interval: '200ms' },
    checks: { smoke: [{ name: 'hello', path: '/api/hello', expect: { status: 200 } }], timeout: '2s', deadline: '5s' },
    attest: { onDeploy: false, ...o.attest },
    ...(o.migrations ? { migrations: o.migrations } : {}),
    ...(o.git ? { git: o.git } : {}),
    ...o.config,
  };
  await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
  const g = (...args: string[]) => shell({ cwd: root })`git ${args}`;
  await g('init', '-q', '-b', 'main');
  await g('config', 'user.email', 'tester@example.com');
  await g('config', 'user.name', 'Tester');
  await g('config', 'commit.gpgsign', 'false');
  await g('config', 'tag.gpgsign', 'false');
  await g('add', '-A');
  await g('commit', '-q', '-m', 'initial');
  return {
    root,
    infraState,
    port,
    service,
    async commit(message, file = 'svc/server.mjs') {
      await writeFile(join(root, file), `console.log(${JSON.stringify(message)});\n`);
      await g('add', '-A');
      await g('commit', '-q', '-m', message);
      return String((await g('rev-parse', 'HEAD')).stdout).trim();
    },
    async cleanup() {
      service?.kill('SIGTERM');
      await stopProcessesIn(base);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/**
 * Ends what still works inside `dir` — a detached attestation a deployment started, which would otherwise write its
 * files there after the folder is removed — and waits (up to 2 s) until those processes are gone.
 */
export async function stopProcessesIn(dir: string): Promise<void> {
  const inside: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cwd === dir || cwd.startsWith(`${dir}/`)) inside.push(Number(name));
  }
  for (const pid of inside) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const until = Date.now() + 2000; inside.some(pidAlive) && Date.now() < until; )
    await new Promise((resolve) => setTimeout(resolve, 20));
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A logger that keeps its lines in memory (tests assert on events, not on stderr). */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = { write: (chunk: string) => lines.push(chunk) > 0, isTTY: false } as unknown as NodeJS.WritableStream;
  return { log: new Logger({ format: 'json', stream, color: false }), lines };
}

/**
 * node's arguments that run a Pilot script as `pnpm <name>` runs it (compiled, through the launcher); a test fixture is
 * compiled the same way (under tsx each start of the stand-in cost ~4 s of CPU, the suite's largest cost).
 */
export async function scriptArgv(script: string): Promise<string[]> {
  const name = dirname(script) === join(REPO_ROOT, 'scripts') ? basename(script, '.ts') : undefined;
  return name
    ? [join(REPO_ROOT, 'scripts', 'cli.mjs'), name]
    : [await compiledEntry(script, `test-${basename(script, '.ts')}`)];
}

/** Runs a Pilot script (`scripts/pilot.ts`, `scripts/rollback.ts`) as a user would, in `cwd`. */
export async function runScript(script: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await shell({
    cwd,
    nothrow: true,
    env: { NO_COLOR: '1', ...env },
  })`${process.execPath} ${await scriptArgv(script)} ${args}`;
  // Without the final newline, as the tests have always read it.
  const text = (output: string) => output.replace(/\n$/, '');
  return {
    code: r.exitCode ?? (r.signal === 'SIGKILL' ? 137 : -1),
    signal: r.signal,
    stdout: text(r.stdout),
    stderr: text(r.stderr),
    all: text(r.stdall),
  };
}
