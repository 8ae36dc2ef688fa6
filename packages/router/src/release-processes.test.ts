import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { routerRunning, startRouter } from './control.ts';
import type { AdminStatus } from './local-target.ts';
import { routerFixture } from './testing/fixture.ts';

const CLI = fileURLToPath(new URL('../../../scripts/cli.mjs', import.meta.url));
const execFileP = promisify(execFile);

/** `pnpm pilot …` in `cwd` as a user runs it: exit code and output. */
async function pilot(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, 'pilot', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function releasePids(routerDir: string): Promise<Record<string, number>> {
  const running = await routerRunning(routerDir);
  const status = (await running?.client.get<AdminStatus & { releases: { version: string; pid: number }[] }>(
    '/admin/status',
  )) ?? { releases: [] };
  return Object.fromEntries(status.releases.map((r) => [r.version, r.pid] as [string, number]));
}

/** An unrelated process of the same user, standing in for whatever got a dead release's pid. */
function unrelatedSleep(t: { after(fn: () => unknown): void }): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

test('pid reuse: router start leaves alone an unrelated process whose pid state.json records for a release (start time differs)', async (t) => {
  const f = await routerFixture(t);
  const v1 = await f.release('v1');
  const stranger = unrelatedSleep(t);
  const strangerGroup = unrelatedSleep(t);
  // The state a router left before a reboot: its releases' pids now belong to other programs (one of them a group leader).
  const state = {
    routes: { stable: 'v1', weight: 0 },
    releases: [
      { version: 'v1', appDir: v1.dir, pid: stranger.pid, port: 1, startTime: '1', bootId: 'an-earlier-boot' },
      { version: 'old', appDir: v1.dir, pid: strangerGroup.pid },
    ],
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(f.routerDir, { recursive: true }));
  await writeFile(join(f.routerDir, 'state.json'), JSON.stringify(state));
  await startRouter({ root: f.root, envName: 'test', env: f.env, readyPath: '/health/ready' });
  // v1 is started afresh (its recorded process is not it), and serves.
  await until('v1 to serve', async () => (await fetch(`${f.url}/api/hello`)).headers.get('x-release') === 'v1');
  await sleep(300);
  assert.ok(alive(stranger.pid!), 'the process holding the recorded pid of v1 survived router start');
  assert.ok(alive(strangerGroup.pid!), 'the process holding the recorded pid of an old release survived router start');
  const log = await readFile(join(f.routerDir, 'router.log'), 'utf8');
  assert.match(log, new RegExp(`"event":"release.pid-not-ours","version":"v1","pid":${stranger.pid}`));
});

test('a release gets a clean environment: no COSIGN_PASSWORD, GH_TOKEN or other operator variables in /proc/<pid>/environ; service.env values and { fromEnv } pass-throughs are there', async (t) => {
  const planted = {
    COSIGN_PASSWORD: 'cosign-pw-planted',
    GH_TOKEN: 'ghp_planted',
    SOME_SECRET: 'planted',
    SERVICE_DB_URL: 'postgres://app:pw@127.0.0.1/app',
  };
  const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
  Object.assign(process.env, planted);
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const f = await routerFixture(t);
  // The config names the variable to pass through: the router started from this shell keeps it (and no other).
  const serviceEnv = { GREETING: 'hello', DATABASE_URL: { fromEnv: 'SERVICE_DB_URL' } };
  await f.writeConfig({ env: serviceEnv });
  const v1 = await f.release('v1', serviceEnv);
  await f.driver.prepare(v1);
  const pid = (await releasePids(f.routerDir)).v1;
  const environ = (path: string) =>
    Object.fromEntries(
      readFileSync(path, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  const env = environ(`/proc/${pid}/environ`);
  const base = Object.keys(env).filter(
    (name) => ['PATH', 'HOME', 'LANG', 'TZ'].includes(name) || name.startsWith('LC_'),
  );
  assert.deepEqual(
    Object.keys(env).sort(),
    [...base, 'DATABASE_URL', 'GREETING', 'PILOT_DATA_DIR', 'PILOT_ENV', 'PILOT_RELEASE', 'PORT'].sort(),
  );
  assert.equal(env.PATH, process.env.PATH);
  assert.deepEqual(
    { db: env.DATABASE_URL, greeting: env.GREETING, release: env.PILOT_RELEASE, pilotEnv: env.PILOT_ENV },
    { db: planted.SERVICE_DB_URL, greeting: 'hello', release: 'v1', pilotEnv: 'test' },
  );
  // The router daemon itself holds only what its releases may need, not the operator's tokens.
  const routerEnv = environ(`/proc/${(await routerRunning(f.routerDir))!.pid}/environ`);
  for (const name of ['COSIGN_PASSWORD', 'GH_TOKEN', 'SOME_SECRET'])
    assert.equal(routerEnv[name], undefined, `${name} in the router's environment`);
  // A pass-through variable the router does not have: the release is refused with the variable's name and what to do.
  const v2 = await f.release('v2', { API_KEY: { fromEnv: 'NOT_SET_ANYWHERE' } });
  await assert.rejects(
    f.driver.prepare(v2),
    /service\.env\.API_KEY passes through NOT_SET_ANYWHERE, which is not set in the router's environment/,
  );
});

test('router stop after the router was killed (-9): finds and stops the release processes it left running, and says so', async (t) => {
  const f = await routerFixture(t);
  await f.writeConfig();
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const { v1: pid } = await releasePids(f.routerDir);
  const router = (await routerRunning(f.routerDir))!;
  process.kill(router.pid, 'SIGKILL');
  await until('the router to die', () => !alive(router.pid));
  assert.ok(alive(pid), 'the release outlived its router');
  const stopped = await pilot(f.root, ['router', 'stop', '--env', 'test']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(
    stopped.stdout,
    new RegExp(
      `router for test was not running; stopped 1 release process its router had left running \\(v1 pid ${pid}\\)`,
    ),
  );
  assert.equal(alive(pid), false, 'the orphaned release is stopped');
  // Nothing left to stop the second time.
  assert.match(
    (await pilot(f.root, ['router', 'stop', '--env', 'test'])).stdout,
    /^router for test was not running\n$/,
  );
});

test('a release restarted after a crash is recorded under its new pid, so a restarted router takes it over (not left running unrouted)', async (t) => {
  const f = await routerFixture(t);
  // Crashes once, 1.5 s after its first start; serves normally after the restart.
  const server = join(f.root, 'crash-once.mjs');
  await writeFile(
    server,
    "import http from 'node:http'; import { existsSync, writeFileSync } from 'node:fs'; if (!existsSync(process.env.MARKER)) { writeFileSync(process.env.MARKER, ''); setTimeout(() => process.exit(1), 1500); } http.createServer((q, s) => { s.setHeader('x-release', process.env.PILOT_RELEASE); s.end('ok'); }).listen(process.env.PORT, '127.0.0.1');",
  );
  const v1 = await f.release('v1', { MARKER: join(f.root, 'crashed-once') }, [process.execPath, server]);
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const first = (await releasePids(f.routerDir)).v1;
  const second = await until('the restart after the crash', async () => {
    const pid = (await releasePids(f.routerDir)).v1;
    return pid !== first && alive(pid) ? pid : undefined;
  });
  await until(
    'state.json to name the new process',
    async () => JSON.parse(await readFile(join(f.routerDir, 'state.json'), 'utf8')).releases[0].pid === second,
  );
  const router = (await routerRunning(f.routerDir))!;
  process.kill(router.pid, 'SIGKILL');
  await until('the router to die', () => !alive(router.pid));
  await startRouter({ root: f.root, envName: 'test', env: f.env, readyPath: '/health/ready' });
  assert.equal((await releasePids(f.routerDir)).v1, second, 'the restarted process, taken over');
  await until('v1 to serve', async () => (await fetch(`${f.url}/x`)).headers.get('x-release') === 'v1');
});

test('router install: --dry-run prints the systemd unit and writes nothing; install writes it (systemd-analyze verify passes where installed); --enable without a user manager says why (exit 3); flags of another action exit 2', async (t) => {
  const f = await routerFixture(t);
  await f.writeConfig();
  const unitFile = join(f.routerDir, 'pilot-router-test.service');
  const dry = await pilot(f.root, ['router', 'install', '--env', 'test', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  for (const line of [
    'Restart=always',
    'KillMode=process',
    `WorkingDirectory=${f.root}`,
    `Environment=PILOT_STATE_DIR=${join(f.root, '.pilot')}`,
    `EnvironmentFile=-${join(f.routerDir, 'router.env')}`,
    'WantedBy=default.target',
  ]) {
    assert.ok(dry.stdout.includes(`\n${line}\n`), `${line} in:\n${dry.stdout}`);
  }
  assert.match(
    dry.stdout,
    new RegExp(
      `\\nExecStart=${process.execPath.replaceAll('/', '\\/')} \\S+/scripts/cli\\.mjs pilot router start --foreground --env test\\n`,
    ),
  );
  assert.match(
    dry.stdout,
    /Dry run: nothing written\. It would be written to .*pilot-router-test\.service, then enabled with:\n {2}systemctl --user link .*\n {2}systemctl --user enable --now pilot-router-test\.service/,
  );
  assert.equal(await readFile(unitFile, 'utf8').catch(() => 'absent'), 'absent');
  const system = await pilot(f.root, ['router', 'install', '--env', 'test', '--dry-run', '--system']);
  assert.match(system.stdout, /\nUser=\S+\n[\s\S]*WantedBy=multi-user.target/);
  // systemd's own parser, where it is installed: the system unit passes `systemd-analyze verify` without a warning.
  const analyze = await execFileP('systemd-analyze', ['--version']).then(
    () => true,
    () => false,
  );
  if (analyze) {
    assert.equal((await pilot(f.root, ['router', 'install', '--env', 'test', '--system'])).code, 0);
    const verified = await execFileP('systemd-analyze', ['verify', unitFile]).then(
      ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: `${error.stdout}${error.stderr}`,
      }),
    );
    assert.deepEqual(verified, { code: 0, output: '' }, 'systemd-analyze verify');
  } else {
    t.diagnostic('systemd-analyze is not installed here: the unit was not checked by systemd');
  }
  const written = await pilot(f.root, ['router', 'install', '--env', 'test']);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(written.stdout.startsWith(`${unitFile}\n`), written.stdout);
  assert.match(await readFile(unitFile, 'utf8'), /^Restart=always$/m);
  const enable = await pilot(f.root, ['router', 'install', '--env', 'test', '--enable']);
  if (enable.code === 0) {
    // A machine with a user service manager: it really runs under systemd now.
    t.after(() => execFileP('systemctl', ['--user', 'disable', '--now', 'pilot-router-test.service']).catch(() => {}));
  } else {
    assert.equal(enable.code, 3, enable.stderr);
    assert.match(
      enable.stderr,
      /cannot enable pilot-router-test\.service: (systemctl is not installed here|systemctl --user cannot reach your user service manager \(.+\)) — the unit is written to /,
    );
  }
  const misplaced = await pilot(f.root, ['router', 'stop', '--env', 'test', '--enable']);
  assert.equal(misplaced.code, 2);
  assert.match(misplaced.stderr, /pilot router stop: --enable applies to `pilot router install` only — drop it/);
});

test('supervised (`pilot router start --foreground` under a loop that restarts it, as systemd would): kill -9 of the router under continuous requests, then of the foreground command — it serves again within 2 s, with the same release process; router stop points to systemctl', async (t) => {
  const f = await routerFixture(t, { readyProbes: 3 });
  await f.writeConfig();
  let supervising = true;
  let current: ChildProcess | undefined;
  let outerRestarts = 0;
  const supervise = () => {
    // What systemd sets for a user unit's process (the router reports it, and router stop defers to systemctl).
    const env = { ...process.env, INVOCATION_ID: 'test-invocation', MANAGERPID: String(process.pid) };
    current = spawn(process.execPath, [CLI, 'pilot', 'router', 'start', '--foreground', '--env', 'test'], {
      cwd: f.root,
      stdio: 'ignore',
      env,
    });
    current.once('exit', () => {
      if (!supervising) return;
      outerRestarts += 1;
      // As the unit's RestartSec=200ms.
      setTimeout(supervise, 200);
    });
  };
  // As `systemctl stop`: no more restarts, then SIGTERM to the foreground command, which stops the router and its releases.
  const stopSupervised = async () => {
    supervising = false;
    const child = current;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  };
  f.beforeStop(stopSupervised);
  supervise();
  await until('the supervised router', () => routerRunning(f.routerDir));
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const { v1: releasePid } = await releasePids(f.routerDir);
  // Continuous requests, one after another; every successful answer's time is kept.
  const answered: number[] = [];
  let loading = true;
  const load = (async () => {
    while (loading) {
      try {
        const res = await fetch(`${f.url}/api/hello`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) answered.push(Date.now());
      } catch {}
      await sleep(10);
    }
  })();
  t.after(async () => {
    loading = false;
    await load;
  });
  /** The longest time without a successful answer around `at`. */
  const gapAround = (at: number) =>
    Math.min(...answered.filter((a) => a > at)) - Math.max(...answered.filter((a) => a <= at));
  await sleep(1000);
  const routerPid = (await routerRunning(f.routerDir))!.pid;
  const killedAt = Date.now();
  process.kill(routerPid, 'SIGKILL');
  await until('the restarted router to serve', () => answered.some((at) => at > killedAt), 10_000);
  await sleep(1000);
  const gapMs = gapAround(killedAt);
  t.diagnostic(`kill -9 of the router daemon: ${gapMs} ms without a successful answer`);
  assert.ok(gapMs < 2000, `${gapMs} ms without a successful answer`);
  const restarted = (await routerRunning(f.routerDir))!.pid;
  assert.notEqual(restarted, routerPid, 'a new router process');
  assert.equal((await releasePids(f.routerDir)).v1, releasePid, 'the release process was taken over, not restarted');
  // The supervisor's own process (systemd's main pid) killed: the router keeps serving, the restarted command watches it.
  const foregroundKilledAt = Date.now();
  current!.kill('SIGKILL');
  await until('the loop to restart the foreground command', () => outerRestarts === 1 || undefined);
  await sleep(1500);
  t.diagnostic(`kill -9 of the foreground command: ${gapAround(foregroundKilledAt)} ms without a successful answer`);
  assert.ok(gapAround(foregroundKilledAt) < 2000);
  assert.equal((await routerRunning(f.routerDir))!.pid, restarted, 'the same router serves on');
  assert.match(
    (await pilot(f.root, ['router', 'status', '--env', 'test'])).stdout,
    new RegExp(
      `^router for test: pid ${restarted}, 127\\.0\\.0\\.1:${f.port}, supervised by systemd \\(pilot-router-test\\.service\\)\n`,
    ),
  );
  const stop = await pilot(f.root, ['router', 'stop', '--env', 'test']);
  assert.equal(stop.code, 3, stop.stderr);
  assert.match(
    stop.stderr,
    /the router for test runs under systemd \(pid \d+\), which would start it again — `systemctl --user stop pilot-router-test` stops it with its releases/,
  );
  loading = false;
  await load;
  assert.equal(await stopSupervised(), 0, 'the foreground command exits 0 on SIGTERM');
  assert.equal(alive(releasePid), false, 'the release stopped with the router');
  assert.equal(alive(restarted), false, 'the router stopped');
});
