// Router benchmarks: (1) zero downtime through 20 canary weight changes and 20 blue-green swaps under load;
// (2) overhead: the demo service direct, through the router, and through HAProxy, in one run on the same backend.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Logger, environmentSchema, freePort, median, shell, writeBenchResult } from '@pilot/core';
import { routerClient } from '../client.ts';
import { adminPortOf, readRouterPid, routerDirOf, stopRouter } from '../control.ts';
import { createLocalTarget } from '../local-target.ts';
import { BENCH_LIMITS, haproxyMissing, startHaproxy } from '../testing/haproxy.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const DEMO = join(REPO, 'packages/demo-app/dist/server.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Interleaved rounds, medians reported: one run each is at the mercy of whatever else the machine does meanwhile.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// /proc times are in clock ticks.
const CLOCK_TICKS = Number((await shell()`getconf CLK_TCK`).stdout.trim()) || 100;

const root = await mkdtemp(join(tmpdir(), 'pilot-router-bench-'));
const port = await freePort();
const env = environmentSchema.parse({
  port,
  target: { kind: 'local', adminPort: await freePort(), readyProbes: 1, drainTimeout: '5s', stopGrace: '2s' },
  strategy: { kind: 'blue-green', keepWarm: '60s' },
});
const log = new Logger({ format: 'json', stream: new Writable({ write: (_c, _e, done) => done() }) });
const target = createLocalTarget({ root, envName: 'bench', env, log, readyPath: '/health/ready' });
const release = async (version: string) => {
  const dir = join(root, '.pilot', 'releases', version);
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({ version, commit: 'bench', created: '', configHash: '', start: [process.execPath, DEMO], env: {} }),
  );
  return { version, dir: join(dir, 'app') };
};

const run = (url: string, duration = SECONDS) => autocannon({ url, connections: 50, duration, pipelining: 1 });

try {
  const [blue, green] = [await release('blue'), await release('green')];
  await target.prepare(blue);
  await target.promote(blue);
  await target.prepare(green);
  // (1) Zero downtime: load for the whole sequence of changes.
  const load = run(`http://127.0.0.1:${port}/api/hello`, 600);
  const changes = async () => {
    for (let i = 1; i <= 20; i++) {
      await target.shift(green, [5, 25, 50, 75, 100][i % 5]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await target.shift(green, 0);
    let [live, next] = [blue, green];
    for (let i = 0; i < 20; i++) {
      await target.prepare(next);
      await target.promote(next);
      [live, next] = [next, live];
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };
  await changes();
  (load as unknown as { stop(): void }).stop();
  const zd = await load;
  const zdFailed = zd.errors + zd.timeouts + zd.non2xx;
  console.log(
    `zero downtime: ${zd.requests.total} requests during 20 weight changes + 20 blue-green swaps: ${zd.errors} errors, ${zd.timeouts} timeouts, ${zd.non2xx} non-2xx`,
  );

  // (2) Overhead, same backend: the live demo release.
  const status = (await fetch(`http://127.0.0.1:${port}/api/hello`)).headers.get('x-release');
  const backendPort = await backendPortOf(root, env, status!);
  // The pid file holds the pid and its start time since the router checks a reused pid.
  const routerPid = (await readRouterPid(routerDirOf(root, 'bench')))!;
  const rounds = await withHaproxy(backendPort, async (haproxy) => {
    const results: { direct: Summary; router: Summary; haproxy?: Summary }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const direct = summary(await run(`http://127.0.0.1:${backendPort}/api/hello`));
      const router = await measured(`http://127.0.0.1:${port}/api/hello`, routerPid);
      results.push({
        direct,
        router,
        haproxy: haproxy ? await measured(`${haproxy.url}/api/hello`, haproxy.pid) : undefined,
      });
    }
    return results;
  });
  const direct = medianRun(rounds.map((r) => r.direct));
  const routed = medianRun(rounds.map((r) => r.router));
  const haproxy = rounds[0].haproxy ? medianRun(rounds.map((r) => r.haproxy!)) : undefined;
  const cpu = (pick: (r: (typeof rounds)[number]) => Summary | undefined) =>
    median(rounds.map((r) => pick(r)?.cpuUs ?? Number.NaN));
  const routerCpu = cpu((r) => r.router);
  const haproxyCpu = cpu((r) => r.haproxy);
  const row = (name: string, r: Summary, cpuUs?: number) =>
    `${name.padEnd(8)} ${r.rps.toString().padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}${cpuUs === undefined ? '' : `  CPU ${cpuUs} µs/request`}  (median of ${ROUNDS} interleaved ${SECONDS}s runs)`;
  console.log(row('direct', direct));
  console.log(row('router', routed, routerCpu));
  if (haproxy) console.log(row('haproxy', haproxy, haproxyCpu));
  const ratios: Record<string, number> = { 'router/direct rps': routed.rps / direct.rps };
  if (haproxy) {
    ratios['router/haproxy rps'] = routed.rps / haproxy.rps;
    ratios['router/haproxy p99'] = routed.p99 / Math.max(haproxy.p99, 1);
    ratios['router/haproxy CPU per request'] = routerCpu / haproxyCpu;
  }
  await writeBenchResult(REPO, {
    name: 'router',
    description: `local router: zero downtime under autocannon (50 connections) through 20 canary weight changes and 20 blue-green swaps; overhead vs direct and HAProxy 2.6 (medians of ${ROUNDS} interleaved ${SECONDS}s runs, same demo backend)`,
    figures: {
      zeroDowntimeRequests: zd.requests.total,
      zeroDowntimeFailed: zdFailed,
      directRps: direct.rps,
      routerRps: routed.rps,
      haproxyRps: haproxy ? haproxy.rps : 'haproxy not installed',
      directP99Ms: direct.p99,
      routerP50Ms: routed.p50,
      routerP99Ms: routed.p99,
      haproxyP99Ms: haproxy ? haproxy.p99 : 'n/a',
      routerErrors: routed.errors,
      routerCpuUsPerRequest: routerCpu,
      haproxyCpuUsPerRequest: haproxy ? haproxyCpu : 'n/a',
    },
    ratios,
    targets: [
      { name: 'failed requests during 40 switches', target: '0', actual: String(zdFailed), met: zdFailed === 0 },
      ...(haproxy
        ? [
            {
              name: 'router req/s vs HAProxy',
              target: '≥ 0.7×',
              actual: `${ratios['router/haproxy rps'].toFixed(2)}×`,
              met: ratios['router/haproxy rps'] >= 0.7,
            },
            {
              name: 'router p99 vs HAProxy',
              target: '≤ 1.5×',
              actual: `${ratios['router/haproxy p99'].toFixed(2)}×`,
              met: ratios['router/haproxy p99'] <= 1.5,
            },
          ]
        : []),
    ],
  });
} finally {
  await stopRouter({ root, envName: 'bench' });
  await rm(root, { recursive: true, force: true });
}

// `PILOT_FUZZ_RUNS=20000 pnpm bench`: the smuggling fuzz test too, with that many runs (500 in the test suite).
if (process.env.PILOT_FUZZ_RUNS) {
  const fuzz = await shell({
    stdio: 'inherit',
    nothrow: true,
  })`${process.execPath} --import tsx --test ${fileURLToPath(new URL('../daemon/smuggling-fuzz.test.ts', import.meta.url))}`;
  if (fuzz.exitCode !== 0) process.exitCode = 1;
}

async function backendPortOf(
  root: string,
  env: ReturnType<typeof environmentSchema.parse>,
  version: string,
): Promise<number> {
  const status = (await routerClient(routerDirOf(root, 'bench'), adminPortOf(env)).get('/admin/status')) as {
    releases: { version: string; port: number }[];
  };
  return status.releases.find((r) => r.version === version)!.port;
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the proxy process spent per request during the run, in µs. */
  cpuUs?: number;
}

/** utime + stime of a process, in µs (/proc/<pid>/stat fields 14 and 15). */
async function cpuMicros(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** One load run against a proxy, with the CPU the proxy process spent per request. */
async function measured(url: string, pid: number): Promise<Summary> {
  const before = await cpuMicros(pid);
  const result = await run(url);
  const cpuUs = Math.round((await cpuMicros(pid)) - before) / Math.max(result.requests.total, 1);
  return { ...summary(result), cpuUs: Math.round(cpuUs) };
}

function summary(r: autocannon.Result): Summary {
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/** The run with the median requests/s (its own latency figures, so they belong together). */
function medianRun(runs: Summary[]): Summary {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
}

/** HAProxy in front of the backend, started the way the differential tests start it, with the bench's limits. */
async function withHaproxy<T>(
  backendPort: number,
  fn: (haproxy: { url: string; pid: number } | undefined) => Promise<T>,
): Promise<T> {
  if (haproxyMissing) return fn(undefined);
  const haproxy = await startHaproxy([backendPort], BENCH_LIMITS);
  try {
    return await fn({ url: `http://127.0.0.1:${haproxy.ports[0]}`, pid: haproxy.pid });
  } finally {
    await haproxy.stop();
  }
}
