import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startDemo } from './testing/start-demo.ts';

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, release: res.headers.get('x-release'), body: await res.text() };
};

test('answers health, readiness, metrics and /api/hello with its version in X-Release', async (t) => {
  const demo = await startDemo({ PILOT_RELEASE: 'v7' });
  t.after(() => demo.stop());
  assert.deepEqual(await get(`${demo.url}/health/live`), {
    status: 200,
    release: 'v7',
    body: '{"status":"ok","version":"v7"}',
  });
  assert.equal((await get(`${demo.url}/health/ready`)).status, 200);
  const hello = await get(`${demo.url}/api/hello`);
  assert.equal(hello.status, 200);
  assert.deepEqual(JSON.parse(hello.body), { service: 'demo-app', version: 'v7', message: 'hello' });
  assert.equal((await get(`${demo.url}/nope`)).status, 404);
  const metrics = await get(`${demo.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^demo_http_requests_total\{status="200",path="\/api\/hello"\} 1$/m);
  assert.match(metrics.body, /^demo_http_requests_total\{status="404",path="other"\} 1$/m);
  assert.match(metrics.body, /^demo_http_request_duration_seconds_count 4$/m);
  assert.match(metrics.body, /^demo_build_info\{version="v7"\} 1$/m);
});

test('ERROR_RATE=1 fails every /api request with 500 but health stays up; ERROR_RATE=0.5 fails about half', async (t) => {
  const always = await startDemo({ ERROR_RATE: '1' });
  const half = await startDemo({ ERROR_RATE: '0.5' });
  t.after(() => Promise.all([always.stop(), half.stop()]));
  for (let i = 0; i < 5; i++) assert.equal((await get(`${always.url}/api/hello`)).status, 500);
  assert.equal((await get(`${always.url}/health/ready`)).status, 200);
  let failures = 0;
  for (let i = 0; i < 200; i++) if ((await get(`${half.url}/api/hello`)).status === 500) failures++;
  assert.ok(failures > 60 && failures < 140, `expected about 100 of 200 to fail, got ${failures}`);
});

test('LATENCY_MS delays /api answers; READY=false makes readiness 503', async (t) => {
  const demo = await startDemo({ LATENCY_MS: '300', READY: 'false' });
  t.after(() => demo.stop());
  const started = Date.now();
  assert.equal((await get(`${demo.url}/api/hello`)).status, 200);
  assert.ok(Date.now() - started >= 290, 'the answer came before LATENCY_MS');
  assert.equal((await get(`${demo.url}/health/ready`)).status, 503);
  assert.equal((await get(`${demo.url}/health/live`)).status, 200);
});

test('CRASH_AFTER_MS makes the process exit with code 1', async () => {
  const demo = await startDemo({ CRASH_AFTER_MS: '200' });
  const [code] = await new Promise<[number | null]>((resolve) => demo.child.once('exit', (c) => resolve([c])));
  assert.equal(code, 1);
  assert.match(demo.output(), /"event":"crash"/);
});

test('SIGTERM finishes the in-flight request before exiting 0', async () => {
  const demo = await startDemo({ LATENCY_MS: '800' });
  const inFlight = get(`${demo.url}/api/hello`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const exited = demo.stop(5000);
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.equal(await exited, 0);
});

test('a bad fault-injection value is refused with its name and exit code 2', () => {
  const server = fileURLToPath(new URL('./server.ts', import.meta.url));
  // Not the core shell: the demo service depends on no @pilot package (it is what releases ship); a one-shot run.
  const run = spawnSync(process.execPath, ['--import', 'tsx', server], {
    env: { ...process.env, PORT: '0', ERROR_RATE: 'lots' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /ERROR_RATE="lots" is invalid — expected a number from 0 to 1/);
});
