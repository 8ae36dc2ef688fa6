import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDemo } from '@pilot/demo-app/testing';
import { freePort } from '@pilot/core';
import { missing, runScript, startPostgres, startRedis, tempDir } from '@pilot/core/testing';
import { describeSmokeFailures, runSmokeTests } from './run-smoke.ts';

const hello = {
  name: 'hello',
  path: '/api/hello',
  expect: { status: 200, json: { path: 'service', equals: 'demo-app' } },
};

test('a healthy demo passes the built-in and configured checks', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const outcome = await runSmokeTests({
    baseUrl: demo.url,
    checks: [hello, { name: 'burst', path: '/api/hello', concurrency: 20 }],
    deadlineMs: 5000,
  });
  assert.deepEqual(
    outcome.results.map((r) => [r.name, r.passed]),
    [
      ['live', true],
      ['ready', true],
      ['metrics', true],
      ['hello', true],
      ['burst', true],
    ],
  );
  assert.equal(outcome.passed, true);
});

test('each failed attempt that will be retried is reported with the check, what failed and the attempt number', async (t) => {
  const demo = await startDemo({ READY: 'false' });
  t.after(() => demo.stop());
  const retries: { name: string; attempt: number; error: string }[] = [];
  const outcome = await runSmokeTests({
    baseUrl: demo.url,
    builtIns: { ready: '/health/ready', metrics: false },
    deadlineMs: 1000,
    onRetry: (r) => retries.push(r),
  });
  const ready = outcome.results.find((r) => r.name === 'ready')!;
  assert.equal(ready.passed, false);
  assert.ok(retries.length >= 2, JSON.stringify(retries));
  assert.deepEqual(
    retries.map((r) => r.attempt),
    Array.from({ length: retries.length }, (_, i) => i + 1),
  );
  assert.ok(retries.every((r) => r.name === 'ready' && /status 503, expected 200/.test(r.error)));
  // The last attempt is the result, not a retry.
  assert.equal(ready.attempts, retries.length + 1);
});

test('failures say why: wrong status, JSON mismatch, body text, slow answer, concurrent errors', async (t) => {
  const demo = await startDemo({ READY: 'false', LATENCY_MS: '150' });
  const flaky = await startDemo({ ERROR_RATE: '0.5' });
  t.after(() => Promise.all([demo.stop(), flaky.stop()]));
  const outcome = await runSmokeTests({
    baseUrl: demo.url,
    builtIns: { ready: '/health/ready' },
    checks: [
      { name: 'json', path: '/health/live', expect: { json: { path: 'status', equals: 'down' } } },
      { name: 'text', path: '/health/live', expect: { contains: 'nope' } },
      { name: 'slow', path: '/api/hello', maxLatency: '0.05s' },
    ],
    deadlineMs: 1500,
  });
  const byName = Object.fromEntries(outcome.results.map((r) => [r.name, r]));
  assert.equal(outcome.passed, false);
  assert.equal(byName.live.passed, true);
  assert.match(byName.ready.error!, /status 503, expected 200/);
  assert.ok(byName.ready.attempts > 1, 'warm-up retries');
  assert.match(byName.json.error!, /JSON status is "ok", expected "down"/);
  assert.match(byName.text.error!, /body does not contain "nope"/);
  assert.match(byName.slow.error!, /took \d+ ms, more than 50 ms/);
  const burst = await runSmokeTests({
    baseUrl: flaky.url,
    builtIns: false,
    checks: [{ name: 'burst', path: '/api/hello', concurrency: 30 }],
    deadlineMs: 300,
  });
  assert.match(burst.results[0].error!, /status 500, expected 200 \(one of 30 concurrent requests\)/);
});

test('a hung endpoint fails by its timeout, never hangs the run', async (t) => {
  const hung = createServer(() => {}).listen(0, '127.0.0.1');
  t.after(() => hung.closeAllConnections() ?? hung.close());
  await new Promise((resolve) => hung.once('listening', resolve));
  const port = (hung.address() as { port: number }).port;
  const started = Date.now();
  const outcome = await runSmokeTests({
    baseUrl: `http://127.0.0.1:${port}`,
    builtIns: { live: '/l', ready: '/r', metrics: '/m' },
    timeoutMs: 300,
    deadlineMs: 1000,
  });
  assert.equal(outcome.passed, false);
  assert.match(outcome.results[0].error!, /no answer within 300 ms/);
  assert.ok(Date.now() - started < 5000, 'bounded by the deadline');
});

test('unreachable port, DNS failure and a TLS error are clear failures', async (t) => {
  const port = await freePort();
  const refused = await runSmokeTests({
    baseUrl: `http://127.0.0.1:${port}`,
    builtIns: { live: '/', ready: '/', metrics: '/' },
    deadlineMs: 300,
  });
  assert.match(refused.results[0].error!, /connection refused/);
  const dns = await runSmokeTests({ baseUrl: 'http://no-such-host.invalid', deadlineMs: 300 });
  assert.match(dns.results[0].error!, /DNS lookup failed/);
  const demo = await startDemo();
  t.after(() => demo.stop());
  const tls = await runSmokeTests({ baseUrl: `https://127.0.0.1:${demo.port}`, deadlineMs: 300 });
  assert.match(tls.results[0].error!, /TLS error|SSL|wrong version/i);
});

test('malformed metrics text fails the metrics check with the line', async (t) => {
  const bad = createServer((req, res) =>
    res.end(req.url === '/metrics' ? 'ok_metric 1\nbroken{label= 2\n' : 'ok'),
  ).listen(0, '127.0.0.1');
  t.after(() => bad.close());
  await new Promise((resolve) => bad.once('listening', resolve));
  const outcome = await runSmokeTests({
    baseUrl: `http://127.0.0.1:${(bad.address() as { port: number }).port}`,
    deadlineMs: 300,
  });
  assert.match(outcome.results.find((r) => r.name === 'metrics')!.error!, /metrics line 2: malformed labels/);
});

test(`PostgreSQL SELECT 1 and Redis PING against real servers${missing.postgres || missing.redis ? ` (skipped: ${missing.postgres ?? missing.redis})` : ''}`, {
  skip: Boolean(missing.postgres || missing.redis),
}, async (t) => {
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  t.after(() => Promise.all([pg.stop(), redis.stop()]));
  const env = { PG_URL: pg.url, REDIS_URL: redis.url, DOWN_URL: `redis://127.0.0.1:${await freePort()}` };
  const outcome = await runSmokeTests({
    baseUrl: 'http://unused',
    builtIns: false,
    dependencies: [
      { kind: 'postgres', urlEnv: 'PG_URL' },
      { kind: 'redis', urlEnv: 'REDIS_URL' },
      { kind: 'redis', name: 'cache-down', urlEnv: 'DOWN_URL' },
      { kind: 'postgres', name: 'unset', urlEnv: 'NOPE_URL' },
    ],
    env,
    timeoutMs: 1000,
    deadlineMs: 1500,
  });
  assert.deepEqual(
    outcome.results.map((r) => [r.name, r.passed]),
    [
      ['postgres', true],
      ['redis', true],
      ['cache-down', false],
      ['unset', false],
    ],
  );
  assert.match(outcome.results[3].error!, /environment variable NOPE_URL is not set/);
  assert.ok(!JSON.stringify(outcome).includes(env.DOWN_URL), 'the dependency URL is not echoed');
});

test('`pnpm smoke-tests`: exit 0 when healthy, 1 with JUnit XML when not, 2 on a bad --url', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: ${demo.port} } }, checks: { smoke: [{ name: 'hello', path: '/api/hello' }] } };\n`,
  );
  const ok = runScript('smoke-tests', ['--env', 'staging'], { cwd: dir });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /✓ hello +\d+ms/);
  const junit = join(dir, 'smoke.xml');
  const down = runScript(
    'smoke-tests',
    ['--url', `http://127.0.0.1:${await freePort()}`, '--deadline', '1s', '--junit', junit, '--json'],
    { cwd: dir },
  );
  assert.equal(down.status, 1);
  assert.equal(JSON.parse(down.stdout).passed, false);
  const xml = await import('node:fs/promises').then((fs) => fs.readFile(junit, 'utf8'));
  assert.match(xml, /<testsuite name="smoke-tests" tests="4" failures="4"/);
  assert.equal(runScript('smoke-tests', ['--url', 'ftp://x'], { cwd: dir }).status, 2);
});

test('a service without a metrics endpoint passes with metrics: false; a failed check is named with its URL, body excerpt and attempts', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.end('ok');
    res.writeHead(503).end('database connection refused: pool exhausted');
  }).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const healthy = await runSmokeTests({
    baseUrl,
    builtIns: { live: '/healthz', ready: '/healthz', metrics: false },
    deadlineMs: 1000,
  });
  assert.deepEqual(
    healthy.results.map((r) => [r.name, r.passed]),
    [
      ['live', true],
      ['ready', true],
    ],
  );
  const failing = await runSmokeTests({
    baseUrl,
    builtIns: { live: '/healthz', ready: '/ready', metrics: false },
    deadlineMs: 700,
  });
  assert.equal(failing.passed, false);
  const described = describeSmokeFailures(failing.results);
  assert.match(
    described,
    new RegExp(
      `^ready \\(${baseUrl}/ready\\): status 503, expected 200 — body "database connection refused: pool exhausted" after [2-9] attempts$`,
    ),
  );
});

test('after readiness passed, a wrong answer fails at once instead of being retried to the deadline; no answer at all is still retried (warm-up)', async (t) => {
  const broken = createServer((req, res) => {
    res.statusCode = req.url === '/api/hello' ? 500 : 200;
    res.end('{"status":"ok"}');
  }).listen(0, '127.0.0.1');
  t.after(() => broken.close());
  await once(broken, 'listening');
  const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  const hello = { name: 'hello', path: '/api/hello' };
  // Readiness passed here (the built-in ready check), or the target says it probed it (the candidate on its own port).
  for (const given of [{ builtIns: { metrics: false as const } }, { builtIns: false as const, readyPassed: true }]) {
    const started = performance.now();
    const outcome = await runSmokeTests({ baseUrl: url, checks: [hello], deadlineMs: 20_000, ...given });
    const result = outcome.results.find((r) => r.name === 'hello')!;
    assert.deepEqual([result.passed, result.attempts], [false, 1], JSON.stringify(result));
    assert.match(result.error!, /status 500, expected 200/);
    assert.ok(
      performance.now() - started < 2000,
      `${Math.round(performance.now() - started)} ms, not the 20 s deadline`,
    );
  }
  // Readiness not known: a 500 may still be warm-up, retried (here to a 1 s deadline).
  const unknown = await runSmokeTests({ baseUrl: url, builtIns: false, checks: [hello], deadlineMs: 1000 });
  assert.ok(unknown.results[0].attempts > 1, JSON.stringify(unknown.results));
  // Nothing listens yet: refused connections are retried until the service answers, readiness or not.
  const port = await freePort();
  const late = createServer((_, res) => res.end('ok'));
  t.after(() => late.close());
  setTimeout(() => late.listen(port, '127.0.0.1'), 500);
  const warm = await runSmokeTests({
    baseUrl: `http://127.0.0.1:${port}`,
    builtIns: false,
    readyPassed: true,
    checks: [hello],
    deadlineMs: 10_000,
  });
  assert.equal(warm.passed, true, JSON.stringify(warm.results));
  assert.ok(warm.results[0].attempts > 1);
});
