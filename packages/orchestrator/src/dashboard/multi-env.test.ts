import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, shell } from '@pilot/core';
import { missing, startPrometheus } from '@pilot/core/testing';
import { type RunningDemo, startDemo } from '@pilot/demo-app/testing';
import { type Browser, type Page, chromium } from 'playwright-core';
import { startLoad } from '../demo/load.ts';
import { readDeployment } from '../state/deployments.ts';
import { ARTIFACTS, CHROMIUM, type PageState, firstPaint, startDashboard, until } from '../testing/dashboard.ts';
import { FIXTURES, PILOT, type TestRepo, makeRepo, runScript } from '../testing/repo.ts';

// How long the page stays open under live updates for the memory figures (PILOT_DASHBOARD_SOAK_S=3600 for a real hour).
const SOAK_S = Number(process.env.PILOT_DASHBOARD_SOAK_S ?? 120);
const skip = !CHROMIUM ? 'chromium is not installed (apt-get install chromium)' : missing.prometheus;

/** One raw HTTP request, every header as given (fetch would set Origin and Host itself). */
function call(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request(
      url,
      { method: o.method ?? 'GET', headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...o.headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

// The dashboard's own JS heap after a full collection, read through its inspector (Node 20 has WebSocket behind a flag).
const READ_HEAP = `const ws = new WebSocket(process.argv[1]);
ws.onopen = () => ['HeapProfiler.collectGarbage', 'Runtime.getHeapUsage'].forEach((method, id) => ws.send(JSON.stringify({ id, method })));
ws.onmessage = (m) => { const r = JSON.parse(m.data); if (r.id === 1) { console.log(r.result.usedSize); ws.close(); } };`;
async function serverHeap(inspector: string): Promise<number> {
  return (
    Number(
      (await shell({ timeout: 10_000 })`${process.execPath} --experimental-websocket -e ${READ_HEAP} ${inspector}`)
        .stdout,
    ) / 1e6
  );
}

// Prometheus adds `version` from the scrape target, as relabelling does for a pod: the demo's own counters carry none.
const PROMETHEUS_SELECTORS = {
  requests: 'demo_http_requests_total{version="{version}",path="/api/hello"}',
  errors: 'demo_http_requests_total{version="{version}",path="/api/hello",status=~"5.."}',
  latency: 'demo_http_request_duration_seconds_bucket{version="{version}"}',
  window: '5s',
};

describe(`pilot dashboard: every environment on one server, a command target charted from a real Prometheus scraping two demo releases (stand-in infrastructure: a weighted split in front of them), in headless Chromium${skip ? ` (skipped: ${skip})` : ''}`, {
  skip: Boolean(skip),
}, () => {
  const closers: (() => Promise<unknown>)[] = [];
  let repo: TestRepo;
  let browser: Browser;
  let page: Page;
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  let load: ReturnType<typeof startLoad>;
  let demos: RunningDemo[];
  let deploymentId = '';
  // The tab session a one-time link was traded for (refusals test), used to roll back at the end.
  let session = '';
  const consoleErrors: string[] = [];
  const infra = async () =>
    JSON.parse(await readFile(repo.infraState, 'utf8')) as {
      stable: string | null;
      candidate: string | null;
      weight: number;
    };

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // v2 answers 30 ms slower: its latency charts must say so.
    demos = await Promise.all([
      startDemo({ PILOT_RELEASE: 'v1' }),
      startDemo({ PILOT_RELEASE: 'v2', LATENCY_MS: '30' }),
    ]);
    closers.push(() => Promise.all(demos.map((d) => d.stop())));
    const prom = await startPrometheus(
      demos.map((d, i) => ({ address: `127.0.0.1:${d.port}`, labels: { version: `v${i + 1}` } })),
    );
    closers.push(() => prom.stop());
    const port = await freePort();
    repo = await makeRepo({
      service: false,
      env: { port, prometheus: { url: prom.url, ...PROMETHEUS_SELECTORS } },
      // production: the same stand-in, no Prometheus (its page says so), never deployed.
      extraEnvs: { production: { prometheus: undefined } },
      strategy: {
        kind: 'canary',
        steps: [50, { pause: true, reason: 'a look at the page' }, 100],
        analysisWindow: '2s',
        interval: '500ms',
      },
    });
    closers.push(() => repo.cleanup());
    const ports = join(repo.root, '..', 'ports.json');
    await writeFile(ports, JSON.stringify({ v1: demos[0].port, v2: demos[1].port }));
    const front: ChildProcess = spawn(
      process.execPath,
      [join(FIXTURES, 'split.mjs'), repo.infraState, ports, String(port)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    closers.push(async () => {
      front.kill('SIGTERM');
      if (front.exitCode === null) await new Promise((resolve) => front.once('exit', resolve));
    });
    await new Promise((resolve) => front.stdout!.once('data', resolve));

    const first = await runScript(PILOT, ['--version', 'v1', '--json'], repo.root);
    assert.equal(first.code, 0, first.all);
    load = startLoad(`http://127.0.0.1:${port}/api/hello`, 40);
    closers.push(() => load.stop());
    await repo.commit('v2');
    // Paused after the 50% step's analysis: v2 keeps half the traffic while the page is looked at.
    const second = await runScript(PILOT, ['--version', 'v2', '--json'], repo.root);
    assert.equal(second.code, 4, second.all);
    const paused = JSON.parse(second.stdout) as { deploymentId: string; monitoringUrl: string };
    deploymentId = paused.deploymentId;
    // A target without a router: the URL pilot prints is this environment's page on pilot dashboard.
    assert.equal(paused.monitoringUrl, 'http://127.0.0.1:3100/env/staging/ui/');

    dashboard = await startDashboard(repo.root, ['--open'], ['--inspect=127.0.0.1:0']);
    closers.push(() => dashboard.stop());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    closers.push(() => browser.close());
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  // Reverse order: the browser and the dashboard first, the repository (and its processes) after, the demos last.
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  test("the command target's page: both releases at the weights the infrastructure has, charts with Prometheus data for both, and a switcher listing every environment", async () => {
    const staging = dashboard.info.environments.find((e) => e.env === 'staging')!;
    assert.deepEqual(
      dashboard.info.environments.map((e) => [e.env, e.target]),
      [
        ['staging', 'command'],
        ['production', 'command'],
      ],
    );
    assert.match(staging.url, /^http:\/\/127\.0\.0\.1:\d+\/env\/staging\/ui\/$/);
    assert.match(dashboard.info.environments[1].note ?? '', /set environments\.production\.prometheus/);
    await page.goto(staging.url);
    await page.waitForSelector('#releases tr[data-release="v2"]');
    const paint = await firstPaint(page);
    const state = await infra();
    assert.deepEqual([state.stable, state.candidate, state.weight], ['v1', 'v2', 50]);
    const shown = async (v: string) =>
      Number(await page.getAttribute(`#releases tr[data-release="${v}"]`, 'data-weight'));
    assert.deepEqual([await shown('v1'), await shown('v2')], [100 - state.weight, state.weight]);
    assert.match((await page.textContent('#routes-source')) ?? '', /command target has no router here/);
    assert.match((await page.textContent('#dep-status')) ?? '', /paused/);

    const plotted = await until('Prometheus points for both releases in every chart', () =>
      page.evaluate(() => {
        const s = (window as unknown as { pilotDashboard: PageState }).pilotDashboard;
        const counts = ['v1', 'v2'].map((v) => (s.series[v] ?? []).filter((p) => p.n > 0).length);
        const charts = s.charts.map((c) =>
          c.series.slice(1).map((x, i) => ({ label: x.label, values: c.data[i + 1].filter((y) => y !== null).length })),
        );
        return counts.every((n) => n >= 3) &&
          charts.length === 4 &&
          charts.every((c) => c.length === 2 && c.every((x) => x.values > 0))
          ? charts
          : undefined;
      }),
    );
    assert.deepEqual(
      plotted[0].map((x) => x.label),
      ['v1', 'v2'],
    );
    assert.match((await page.textContent('#series-note')) ?? '', /from Prometheus/);
    // The charts' figures are the traffic: about 40 requests/s split in half, no errors, v2's 30 ms in its p95.
    const recent = await page.evaluate(() => {
      const s = (
        window as unknown as {
          pilotDashboard: {
            series: Record<string, { rate: number; errorRate: number | null; p95: number | null; n: number }[]>;
          };
        }
      ).pilotDashboard.series;
      return Object.fromEntries(['v1', 'v2'].map((v) => [v, s[v].filter((p) => p.n > 0).slice(-5)]));
    });
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const v of ['v1', 'v2']) {
      const rate = median(recent[v].map((p) => p.rate));
      assert.ok(rate > 5 && rate < 40, `${v}: ${rate} requests/s`);
      assert.deepEqual(
        recent[v].map((p) => p.errorRate),
        recent[v].map(() => 0),
      );
    }
    const [fast, slow] = ['v1', 'v2'].map((v) => median(recent[v].map((p) => p.p95 ?? 0)));
    assert.ok(slow > 25 && slow > fast, `p95: v1 ${fast} ms, v2 ${slow} ms`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-command-target.png'), fullPage: true });
    console.log(`screenshot: ${join(ARTIFACTS, 'dashboard-command-target.png')} (first paint ${Math.round(paint)} ms)`);

    // The switcher: every environment, the one on screen marked; the other's page says where its charts would come from.
    assert.deepEqual(
      await page.$$eval('#envs a', (links) => links.map((a) => [a.textContent, a.getAttribute('aria-current')])),
      [
        ['staging', 'page'],
        ['production', null],
      ],
    );
    await page.click('#envs a[data-env="production"]');
    await page.waitForURL(/\/env\/production\/ui\/$/);
    await until('the production page', async () => /production/.test((await page.textContent('#env')) ?? ''));
    assert.match((await page.textContent('#series-note')) ?? '', /set environments\.production\.prometheus/);
    assert.equal(await page.getAttribute('#envs a[data-env="production"]', 'aria-current'), 'page');
    assert.deepEqual(consoleErrors, []);
    // The page painted; how fast is the page bench's figure (`pnpm bench`), not a timed test beside the whole suite.
    assert.ok(paint > 0, `first paint ${paint} ms`);
  });

  test('refused: another Host, a foreign Origin, no CSRF token, no or a wrong token, a spent one-time link, a session on another environment — nothing changes', async () => {
    const staging = dashboard.info.environments[0];
    const base = new URL(staging.url);
    const html = await call(staging.url);
    const csrf = /name="pilot-csrf" content="([^"]+)"/.exec(html.body)?.[1] ?? '';
    assert.ok(csrf.length > 20, 'the page carries a CSRF token');
    const origin = base.origin;
    const error = (r: { body: string }) => (JSON.parse(r.body) as { error?: string }).error ?? '';
    const act = (headers: Record<string, string>, actor = 'test-operator') =>
      call(new URL('api/action', staging.url).href, { method: 'POST', headers, body: { action: 'abort', actor } });

    assert.equal(
      (await call(staging.url, { headers: { host: `attacker.example:${base.port}` } })).status,
      421,
      'a page under another host name (DNS rebinding)',
    );
    const foreign = await act({
      origin: 'http://attacker.example',
      'x-pilot-csrf': csrf,
      authorization: `Bearer ${'x'.repeat(32)}`,
    });
    assert.equal(foreign.status, 403);
    assert.match(error(foreign), /Origin "http:\/\/attacker\.example" is not this page/);
    assert.equal((await act({ origin })).status, 403, 'no CSRF token');
    const anonymous = await act({ origin, 'x-pilot-csrf': csrf });
    assert.equal(anonymous.status, 401);
    assert.match(error(anonymous), /actions need the admin token \(\.pilot\/dashboard\/admin\.token\)/);
    assert.equal((await act({ origin, 'x-pilot-csrf': csrf, authorization: 'Bearer not-the-token' })).status, 401);

    // The one-time link printed by --open: its token is in the fragment (never sent), traded once for a session.
    const once = new URL(staging.oneTimeLink!).hash.replace('#once=', '');
    const trade = (body: unknown) =>
      call(new URL('api/session', staging.url).href, {
        method: 'POST',
        headers: { origin, 'x-pilot-csrf': csrf },
        body,
      });
    const traded = await trade({ once });
    assert.equal(traded.status, 200);
    const spent = await trade({ once });
    assert.equal(spent.status, 401);
    assert.match(error(spent), /already used or has expired/);
    // A session is for the environment whose link made it.
    session = (JSON.parse(traded.body) as { token: string }).token;
    const production = new URL('../../production/ui/', staging.url).href;
    const productionCsrf = /name="pilot-csrf" content="([^"]+)"/.exec((await call(production)).body)?.[1] ?? '';
    const elsewhere = await call(`${production}api/action`, {
      method: 'POST',
      headers: { origin, 'x-pilot-csrf': productionCsrf, authorization: `Bearer ${session}` },
      body: { action: 'abort' },
    });
    assert.equal(elsewhere.status, 401);

    const unchanged = await infra();
    assert.deepEqual([unchanged.candidate, unchanged.weight], ['v2', 50]);
    assert.ok(
      (await readDeployment(join(repo.root, '.pilot'), deploymentId))!.entries.every(
        (e) => e.event !== 'dashboard.action',
      ),
      'a refused action is journalled',
    );
  });

  test(`memory: the page's and the server's heap (and its RSS) over ${SOAK_S} s of live updates, extrapolated to an hour`, {
    timeout: (SOAK_S + 120) * 1000,
  }, async () => {
    await page.goto(dashboard.info.environments[0].url);
    await page.waitForSelector('#releases tr[data-release="v2"]');
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 1e6;
    };
    const inspector = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(dashboard.output())?.[0] ?? '';
    assert.ok(inspector, `no inspector address in: ${dashboard.output()}`);
    const rss = async () =>
      Number(
        /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${dashboard.child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN,
      ) / 1e3;
    // A first collection settles what start-up left behind (the first reading was 33 MB, the next ones 21 MB).
    await serverHeap(inspector);
    const started = Date.now();
    const samples: { s: number; heap: number; server: number; rss: number; points: number }[] = [];
    const points = () =>
      page.evaluate(() =>
        Object.values(
          (window as unknown as { pilotDashboard: { series: Record<string, unknown[]> } }).pilotDashboard.series,
        ).reduce((sum, list) => sum + list.length, 0),
      );
    for (;;) {
      samples.push({
        s: (Date.now() - started) / 1000,
        heap: await heap(),
        server: await serverHeap(inspector),
        rss: await rss(),
        points: await points(),
      });
      if (Date.now() - started >= SOAK_S * 1000) break;
      await delay(Math.min(10_000, SOAK_S * 1000 - (Date.now() - started)));
    }
    // MB per hour between the heap's floor in the two quarters of the second half (the first half is warm-up: JIT code
    // and caches settle). A floor is a quarter's least reading: one taken while a request was in flight sits up to 2 MB
    // above it, and a slope through those spikes says nothing about growth.
    const slope = (key: 'heap' | 'server' | 'rss') => {
      const settled = samples.slice(Math.floor(samples.length / 2));
      const half = Math.ceil(settled.length / 2);
      const least = (part: typeof samples) => part.reduce((low, x) => (x[key] < low[key] ? x : low));
      const [a, b] = [least(settled.slice(0, half)), least(settled.slice(half))];
      return b.s === a.s ? 0 : ((b[key] - a[key]) / (b.s - a.s)) * 3600;
    };
    const [first, last] = [samples[0], samples.at(-1)!];
    const figures = `page heap ${first.heap.toFixed(2)} → ${last.heap.toFixed(2)} MB (slope ${slope('heap').toFixed(1)} MB/h), server heap ${first.server.toFixed(2)} → ${last.server.toFixed(2)} MB (slope ${slope('server').toFixed(1)} MB/h), server RSS ${first.rss.toFixed(1)} → ${last.rss.toFixed(1)} MB (slope ${slope('rss').toFixed(1)} MB/h), chart points ${first.points} → ${last.points}, over ${Math.round(last.s)} s, ${samples.length} samples`;
    console.log(`dashboard memory: ${figures}`);
    await writeFile(
      join(ARTIFACTS, 'dashboard-memory.json'),
      JSON.stringify({ soakSeconds: SOAK_S, samples }, null, 2),
    );
    // The page keeps 15 minutes of points: while they fill, its heap grows by them; past that it must not grow at all.
    assert.ok(slope('heap') < 20, `the page's heap would grow ${slope('heap').toFixed(1)} MB in an hour: ${figures}`);
    // The server keeps no points (Prometheus has them): its heap after a full collection must stay where it is.
    assert.ok(
      slope('server') < 20,
      `the server's heap would grow ${slope('server').toFixed(1)} MB in an hour: ${figures}`,
    );
    assert.ok(last.rss - first.rss < 40, `the server's RSS grew ${(last.rss - first.rss).toFixed(1)} MB: ${figures}`);
    assert.deepEqual(consoleErrors, []);
  });

  test("the one-time link's session rolls the canary back from the page's API: the infrastructure ends on v1 alone, journalled with the actor, no token in output or journal", async () => {
    const staging = dashboard.info.environments[0];
    const csrf = /name="pilot-csrf" content="([^"]+)"/.exec((await call(staging.url)).body)?.[1] ?? '';
    const headers = { origin: new URL(staging.url).origin, 'x-pilot-csrf': csrf, authorization: `Bearer ${session}` };
    const done = await call(new URL('api/action', staging.url).href, {
      method: 'POST',
      headers,
      body: { action: 'abort', actor: 'test-operator' },
    });
    assert.equal(done.status, 200, done.body);
    const back = await until(
      'the infrastructure back on v1 alone',
      async () => {
        const s = await infra();
        return s.stable === 'v1' && !s.candidate ? s : undefined;
      },
      60_000,
    );
    assert.equal(back.weight, 0);
    const ended = await until('the journal saying aborted', async () => {
      const read = await readDeployment(join(repo.root, '.pilot'), deploymentId);
      return read?.view.status === 'aborted' ? read : undefined;
    });
    const action = ended.entries.find((e) => e.event === 'dashboard.action');
    assert.deepEqual([action?.action, action?.actor], ['abort', 'test-operator (dashboard)']);
    const secret = (await readFile(join(repo.root, '.pilot', 'dashboard', 'admin.token'), 'utf8')).trim();
    assert.ok(
      !dashboard.output().includes(secret) && !JSON.stringify(ended.entries).includes(session),
      'a token in the output or the journal',
    );
  });
});

test('pilot dashboard with a bad --port or an unknown --env: exit 2 naming the flag, the value and the fix, nothing written', async () => {
  const repo = await makeRepo({ service: false });
  try {
    const port = await runScript(PILOT, ['dashboard', '--port', 'http'], repo.root);
    assert.equal(port.code, 2, port.all);
    assert.match(port.all, /--port "http" is not a port — pass a number from 1 to 65535 \(or 0 for any free port\)/);
    const env = await runScript(PILOT, ['dashboard', '--env', 'nope'], repo.root);
    assert.equal(env.code, 2, env.all);
    assert.match(env.all, /nope/);
    assert.ok(!existsSync(join(repo.root, '.pilot', 'dashboard')), 'pilot dashboard wrote its token before refusing');
  } finally {
    await repo.cleanup();
  }
});
