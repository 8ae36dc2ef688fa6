import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'node:http';
import { test } from 'node:test';
import { routerClient } from './client.ts';
import { Logger, environmentSchema } from '@pilot/core';
import { routerRunning, startRouter } from './control.ts';
import { createLocalTarget } from './local-target.ts';
import { candidateTurn } from './daemon/routes.ts';
import { countReleases, routerFixture } from './testing/fixture.ts';

const silentLog = new Logger({ format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });

/** A GET through node:http, which (unlike fetch) lets the test send hop-by-hop headers. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

test('the weighted split is exact over every 100 requests', () => {
  for (const weight of [0, 1, 5, 25, 33, 50, 99, 100]) {
    let hits = 0;
    for (let n = 0; n < 1000; n++) if (candidateTurn(n, weight)) hits++;
    assert.equal(hits, weight * 10, `weight ${weight}`);
  }
});

test('proxies to the stable release with forwarded headers, then splits 25% to a canary and promotes it', async (t) => {
  const f = await routerFixture(t);
  const v1 = await f.release('v1');
  const v2 = await f.release('v2');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const echo = await rawGet(`${f.url}/api/hello`, { connection: 'keep-alive, x-drop-me', 'x-drop-me': '1' });
  assert.equal(echo.status, 200);
  assert.equal(echo.headers['x-release'], 'v1');
  assert.deepEqual(JSON.parse(echo.body), { service: 'demo-app', version: 'v1', message: 'hello' });
  await f.driver.prepare(v2);
  await f.driver.shift(v2, 25);
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 200), { v1: 150, v2: 50 });
  const status = await f.driver.status();
  assert.deepEqual(status.candidate, { version: 'v2', weight: 25, healthy: true });
  await f.driver.promote(v2);
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 20), { v2: 20 });
  const metrics = await routerClient(f.routerDir, f.env.target.kind === 'local' ? f.env.target.adminPort! : 0).getText(
    '/admin/metrics',
  );
  assert.match(metrics, /pilot_router_requests_total\{release="v2",code="200"\} \d+/);
});

test('X-Forwarded-* are set and hop-by-hop headers are not passed on', async (t) => {
  const f = await routerFixture(t);
  // A release that echoes the headers it received.
  const echoServer = join(f.root, 'echo.mjs');
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(
      echoServer,
      "import http from 'node:http'; http.createServer((q, s) => { s.setHeader('x-release', 'echo'); s.setHeader('keep-alive', 'timeout=5'); s.setHeader('x-upstream-private', '1'); s.setHeader('connection', 'keep-alive, x-upstream-private'); s.end(JSON.stringify(q.headers)); }).listen(process.env.PORT, '127.0.0.1');",
    ),
  );
  const echo = await f.release('echo', {}, [process.execPath, echoServer]);
  await f.driver.prepare(echo).catch(() => {});
  // The echo server has no readiness path other than "/": any path answers 200.
  await f.driver.promote(echo);
  const res = await rawGet(`${f.url}/x`, {
    'x-drop-me': 'secret',
    connection: 'x-drop-me',
    'x-keep': 'yes',
    'x-forwarded-for': '10.0.0.9',
  });
  // The router's own connection may carry Keep-Alive; the release's (timeout=5) and the fields its Connection names must not pass.
  assert.notEqual(res.headers['keep-alive'], 'timeout=5');
  assert.equal(res.headers['x-upstream-private'], undefined);
  const seen = JSON.parse(res.body) as Record<string, string>;
  assert.equal(seen['x-keep'], 'yes');
  assert.equal(seen['x-drop-me'], undefined, 'a header named in Connection is not forwarded');
  assert.equal(seen['x-forwarded-for'], '10.0.0.9, 127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-forwarded-host'], `127.0.0.1:${f.port}`);
});

test('sticky by cookie: a user stays on the version the router first picked', async (t) => {
  const f = await routerFixture(t, { sticky: { cookie: 'pilot-release' } });
  const [v1, v2] = [await f.release('v1'), await f.release('v2')];
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  await f.driver.prepare(v2);
  await f.driver.shift(v2, 50);
  const first = await fetch(`${f.url}/api/hello`);
  const cookie = first.headers.get('set-cookie')!.split(';')[0];
  const pinned = first.headers.get('x-release')!;
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 20, { cookie }), { [pinned]: 20 });
});

test('a release that never becomes ready is refused and stable keeps serving', async (t) => {
  const f = await routerFixture(t, { readyTimeout: '2s' });
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const stuck = await f.release('stuck', { READY: 'false' });
  assert.equal(JSON.parse(await readFile(join(f.routerDir, 'router.json'), 'utf8')).readyTimeoutMs, 2000);
  await assert.rejects(
    f.driver.prepare(stuck),
    /release stuck did not become ready within 2000 ms \(2 healthy probes of \/health\/ready needed\)/,
  );
  await assert.rejects(f.driver.shift(stuck, 10), /not running and ready/);
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 10), { v1: 10 });
});

test('a pending prepare shows, at a terminal, the release being probed, the probes passed so far and the time left', async (t) => {
  const f = await routerFixture(t, { readyProbes: 5, readyTimeout: '30s' });
  let text = '';
  // A terminal's stream (colour on); the progress line is not written to JSON or piped logs (logger tests).
  const write = (chunk: string) => {
    text += chunk;
    return true;
  };
  const stream = { write, isTTY: true } as unknown as NodeJS.WritableStream;
  const driver = createLocalTarget({
    root: f.root,
    envName: 'test',
    env: f.env,
    log: new Logger({ format: 'human', stream, color: true }),
    readyPath: '/health/ready',
  });
  await driver.prepare(await f.release('v1'));
  const lines = text.match(/\r\x1b\[Kwaiting for v1 to be ready: \d\/5 probes passed, \d+s left/g) ?? [];
  assert.ok(lines.length >= 1, JSON.stringify(text));
  assert.ok(Number(/(\d+)s left/.exec(lines[0] ?? '')?.[1]) <= 30);
  assert.ok(text.endsWith('\r\x1b[K'), 'the line is cleared once the release is ready');
});

test('a start command that exits at once is reported with its log, and a built release whose folder is missing is refused', async (t) => {
  const f = await routerFixture(t);
  const broken = await f.release('broken', {}, [
    process.execPath,
    '-e',
    "console.error('boom: missing DATABASE_URL'); process.exit(3)",
  ]);
  await assert.rejects(
    f.driver.prepare(broken),
    /exited 3 times before becoming ready \(exited with code 3\).*boom: missing DATABASE_URL/s,
  );
  await assert.rejects(
    f.driver.prepare({ version: 'ghost', dir: join(f.root, '.pilot/releases/ghost/app') }),
    /release ghost: cannot read .*manifest\.json .* build the release first/,
  );
  // A built release (it has a digest) whose folder is gone; one not built yet is planned without it (a dry run).
  await assert.rejects(
    f.driver.plan({ version: 'ghost', dir: join(f.root, '.pilot/releases/ghost/app'), digest: 'sha256:00' }, [5]),
    /does not exist — build the release first/,
  );
  assert.equal(
    (await f.driver.plan({ version: 'next', dir: join(f.root, '.pilot/releases/next/app') }, [5])).length,
    3,
  );
});

test('a crashed release is restarted with back-off and serves again', async (t) => {
  const f = await routerFixture(t);
  const v1 = await f.release('v1', { CRASH_AFTER_MS: '1500' });
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const client = routerClient(f.routerDir, (f.env.target as { adminPort: number }).adminPort);
  const deadline = Date.now() + 10_000;
  let restarts = 0;
  while (Date.now() < deadline && restarts < 1) {
    restarts = ((await client.get('/admin/status')) as { releases: { restarts: number }[] }).releases[0].restarts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(restarts >= 1, 'restarted');
  // Back to serving after the restart's readiness probes.
  const until = Date.now() + 8000;
  let status = 0;
  while (Date.now() < until && status !== 200) {
    status = (await fetch(`${f.url}/api/hello`)).status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, 200);
});

test('maintenance answers 503 with the message; the router health path still answers; admin needs the token (0600 file)', async (t) => {
  const f = await routerFixture(t);
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const adminPort = (f.env.target as { adminPort: number }).adminPort;
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/admin/status`)).status, 401);
  assert.equal(
    (await fetch(`http://127.0.0.1:${adminPort}/admin/status`, { headers: { authorization: 'Bearer wrong' } })).status,
    401,
  );
  assert.equal((await stat(join(f.routerDir, 'admin.token'))).mode & 0o777, 0o600);
  await routerClient(f.routerDir, adminPort).post('/admin/maintenance', { on: true, message: 'Back at 14:00' });
  const res = await fetch(`${f.url}/api/hello`);
  assert.equal(res.status, 503);
  assert.equal(await res.text(), 'Back at 14:00\n');
  assert.equal((await fetch(`${f.url}/_pilot/health`)).status, 200);
  await routerClient(f.routerDir, adminPort).post('/admin/maintenance', { on: false });
  assert.equal((await fetch(`${f.url}/api/hello`)).status, 200);
});

test('a swap drains in-flight requests: a slow request to the old release completes', async (t) => {
  const f = await routerFixture(t);
  const [slow, fast] = [await f.release('slow', { LATENCY_MS: '1500' }), await f.release('fast')];
  await f.driver.prepare(slow);
  await f.driver.promote(slow);
  const inFlight = fetch(`${f.url}/api/hello`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await f.driver.prepare(fast);
  await f.driver.promote(fast);
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('x-release'), 'slow');
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 5), { fast: 5 });
});

test('responseTimeout: a release slower than it gets the request a 504, and the judge sees no answer (0)', async (t) => {
  const f = await routerFixture(t, { responseTimeout: '1s' });
  const stuck = await f.release('stuck', { LATENCY_MS: '4000' });
  await f.driver.prepare(stuck);
  await f.driver.promote(stuck);
  const started = Date.now();
  const answer = await fetch(`${f.url}/api/hello`);
  assert.equal(answer.status, 504);
  assert.match(await answer.text(), /gateway timeout: release stuck sent nothing for 1 s/);
  assert.ok(Date.now() - started < 3_000, 'well before the release would have answered');
  const client = routerClient(f.routerDir, (f.env.target as { adminPort: number }).adminPort);
  const { releases } = (await client.get('/admin/samples')) as {
    releases: Record<string, { samples: [number, number, number][] }>;
  };
  assert.deepEqual(
    releases.stuck.samples.map((s) => s[1]),
    [0],
  );
});

test('responseTimeout applies per release: a release prepared after the setting changed uses it, the running router keeps its own', async (t) => {
  const f = await routerFixture(t, { responseTimeout: '60s' });
  const stuck = await f.release('stuck', { LATENCY_MS: '4000' });
  // The team lowers target.responseTimeout; the next release prepared gets it, with no router restart.
  const lowered = createLocalTarget({
    root: f.root,
    envName: 'test',
    env: environmentSchema.parse({ ...f.env, target: { ...f.env.target, responseTimeout: '1s' } }),
    log: silentLog,
    readyPath: '/health/ready',
  });
  await lowered.prepare(stuck);
  await lowered.promote(stuck);
  const started = Date.now();
  const answer = await fetch(`${f.url}/api/hello`);
  assert.equal(answer.status, 504);
  assert.ok(Date.now() - started < 3_000, 'well before the release would have answered');
});

test('the traffic port in use: start is refused with exit code 3 and a clear message', async (t) => {
  const f = await routerFixture(t);
  const blocker = createServer().listen(f.port, '127.0.0.1');
  t.after(() => blocker.close());
  await new Promise((resolve) => blocker.once('listening', resolve));
  await assert.rejects(
    startRouter({ root: f.root, envName: 'test', env: f.env, readyPath: '/health/ready' }),
    (error: Error & { exitCode: number }) => {
      assert.equal(error.exitCode, 3);
      assert.match(
        error.message,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${f.port} for traffic: the port is in use`),
      );
      return true;
    },
  );
  assert.equal(await routerRunning(f.routerDir), undefined);
});

test('router killed with -9 and restarted: routes come back, its releases are taken over where they run (same pids), and none gets traffic before it is probed ready', async (t) => {
  const f = await routerFixture(t);
  // A release that is ready only while its gate file exists: the test decides when the restarted router may see it ready.
  const gateServer = join(f.root, 'gate.mjs');
  await writeFile(
    gateServer,
    "import http from 'node:http'; import { existsSync } from 'node:fs'; http.createServer((q, s) => { if (q.url === '/health/ready') s.statusCode = existsSync(process.env.GATE) ? 200 : 503; s.setHeader('x-release', process.env.PILOT_RELEASE); s.end('ok'); }).listen(process.env.PORT, '127.0.0.1');",
  );
  const gates = { v1: join(f.root, 'v1.ready'), v2: join(f.root, 'v2.ready') };
  for (const gate of Object.values(gates)) await writeFile(gate, '');
  const [v1, v2] = [
    await f.release('v1', { GATE: gates.v1 }, [process.execPath, gateServer]),
    await f.release('v2', { GATE: gates.v2 }, [process.execPath, gateServer]),
  ];
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  await f.driver.prepare(v2);
  await f.driver.shift(v2, 50);
  const running = await routerRunning(f.routerDir);
  type Status = {
    stable: { version: string };
    candidate: { version: string; weight: number };
    releases: { version: string; state: string; pid: number }[];
  };
  const pids = ((await running!.client.get('/admin/status')) as Status).releases.map((r) => [r.version, r.pid]);
  process.kill(running!.pid, 'SIGKILL');
  // While no router runs, the releases stop being ready.
  for (const gate of Object.values(gates)) await rm(gate);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = await startRouter({ root: f.root, envName: 'test', env: f.env, readyPath: '/health/ready' });
  assert.equal(started.started, true);
  const status = (await started.client.get('/admin/status')) as Status;
  assert.deepEqual(
    status.releases.map((r) => [r.version, r.pid]),
    pids,
    'the same processes, taken over',
  );
  assert.deepEqual(
    status.releases.map((r) => r.state),
    ['starting', 'starting'],
    'restored releases are re-probed first',
  );
  const early = await fetch(`${f.url}/api/hello`);
  assert.equal(early.status, 503, 'no traffic to a release that has not passed its probes');
  assert.equal(status.stable.version, 'v1');
  assert.deepEqual({ v: status.candidate.version, w: status.candidate.weight }, { v: 'v2', w: 50 });
  for (const gate of Object.values(gates)) await writeFile(gate, '');
  const deadline = Date.now() + 10_000;
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    counts = await countReleases(`${f.url}/api/hello`, 20);
    if (counts.v1 === 10 && counts.v2 === 10) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(counts, { v1: 10, v2: 10 });
});

test('each release keeps the readiness path it was prepared with, across two router restarts (routes restored exactly)', async (t) => {
  const f = await routerFixture(t);
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  // The team changes its readiness path; v2 answers 503 on the old one (READY=false) and 200 on the new one.
  const changed = createLocalTarget({
    root: f.root,
    envName: 'test',
    env: f.env,
    log: silentLog,
    readyPath: '/health/live',
  });
  const v2 = await f.release('v2', { READY: 'false' });
  await changed.prepare(v2);
  await changed.promote(v2);
  assert.deepEqual(await countReleases(`${f.url}/api/hello`, 10), { v2: 10 });
  for (const round of [1, 2]) {
    const running = await routerRunning(f.routerDir);
    process.kill(running!.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Restarted with the router's original settings (readiness /health/ready): v2 still uses its own.
    await startRouter({ root: f.root, envName: 'test', env: f.env, readyPath: '/health/ready' });
    const deadline = Date.now() + 10_000;
    let counts: Record<string, number> = {};
    while (Date.now() < deadline) {
      counts = await countReleases(`${f.url}/api/hello`, 5);
      if (counts.v2 === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(counts, { v2: 5 }, `after restart ${round}`);
  }
});

test('target.maxConnections reaches the router daemon: past it a connection is closed unanswered, and the router logs it', async (t) => {
  const f = await routerFixture(t, { maxConnections: 2 });
  const v1 = await f.release('v1');
  await f.driver.prepare(v1);
  await f.driver.promote(v1);
  const held = [connect(f.port, '127.0.0.1'), connect(f.port, '127.0.0.1')];
  t.after(() => {
    for (const s of held) s.destroy();
  });
  await Promise.all(held.map((s) => new Promise((resolve) => s.once('connect', resolve))));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const third = connect(f.port, '127.0.0.1');
  third.end('GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n');
  let answer = '';
  third.on('data', (chunk) => (answer += chunk));
  // Closed or reset: either way, no answer.
  third.on('error', () => {});
  await new Promise((resolve) => third.once('close', resolve));
  assert.equal(answer, '', 'closed unanswered');
  const log = await readFile(join(f.routerDir, 'router.log'), 'utf8');
  assert.match(log, /"event":"router.max-connections","maxConnections":2/);
});
