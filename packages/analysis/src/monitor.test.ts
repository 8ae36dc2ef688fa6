import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Logger, openEnv } from '@pilot/core';
import { repoRoot, runInTerminal, runScript, startReceiver, tempDir, terminalAvailable } from '@pilot/core/testing';
import { startDemo } from '@pilot/demo-app/testing';
import { analyseStep } from './analyse-step.ts';
import { runMonitor } from './monitor.ts';

async function repo(t: Parameters<typeof tempDir>[0], port: number) {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: ${port}, target: { kind: 'command', shift: ['true'], rollback: ['true'] }, rules: ['watch'] } } };\n`,
  );
  await mkdir(join(dir, 'policies'));
  await writeFile(
    join(dir, 'policies', 'rules.yaml'),
    'watch:\n  - { kind: consecutive_failures, max: 3, severity: critical }\n  - { kind: success_rate, min: 0.7, minChecks: 5, severity: warning }\n',
  );
  return dir;
}

const quiet = () => new Logger({ format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });

test('a healthy service: the monitor runs for its duration and says so', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const ctx = await openEnv(await repo(t, demo.port), 'staging');
  const summary = await runMonitor({
    ctx,
    log: quiet(),
    durationMs: 1200,
    intervalMs: 200,
    signal: new AbortController().signal,
  });
  assert.equal(summary.verdict, 'healthy');
  assert.ok(summary.checks >= 5);
  assert.equal(summary.successRate, 1);
});

test('time to detect: a service that dies trips 3 consecutive failures within interval × 3 + 1 s', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const ctx = await openEnv(await repo(t, demo.port), 'staging');
  const controller = new AbortController();
  let killedAt = 0;
  setTimeout(() => {
    killedAt = Date.now();
    demo.child.kill('SIGKILL');
  }, 500);
  const summary = await runMonitor({
    ctx,
    log: quiet(),
    durationMs: 20_000,
    intervalMs: 200,
    signal: controller.signal,
  });
  const detectMs = Date.now() - killedAt;
  assert.equal(summary.verdict, 'rollback');
  assert.deepEqual(
    summary.reasons.map((r) => [r.rule, r.observed, r.threshold]),
    [['consecutive_failures', 3, 3]],
  );
  assert.ok(detectMs <= 200 * 3 + 1000, `detected in ${detectMs} ms`);
});

test('`pnpm monitor`: exit 1 with the rollback command on a critical breach; MONITOR_DURATION is honoured', async (t) => {
  const dir = await repo(t, 1);
  const run = runScript('monitor', ['--env', 'staging', '--interval', '100ms'], {
    cwd: dir,
    env: { MONITOR_DURATION: '5' },
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /✗ critical consecutive_failures: observed 3, threshold 3/);
  assert.match(run.stdout, /roll back with: pnpm rollback --env staging/);
  const bad = runScript('monitor', ['--duration', 'soon'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--duration: "soon" is not a duration/);
});

test('`pnpm monitor` over many checks: no MaxListenersExceededWarning (each wait removes its abort listener)', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const run = runScript('monitor', ['--env', 'staging', '--duration', '2s', '--interval', '50ms'], {
    cwd: await repo(t, demo.port),
  });
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /MaxListenersExceededWarning/);
});

test('`pnpm monitor` at a terminal rewrites one status line per check; --json, NO_COLOR and piped output have none', {
  skip: !terminalAvailable && 'util-linux script is not installed',
}, async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const dir = await repo(t, demo.port);
  const args = ['--env', 'staging', '--duration', '1s', '--interval', '200ms'];
  const shown = runInTerminal('monitor', args, { cwd: dir });
  assert.equal(shown.status, 0, shown.output);
  const lines = shown.output.match(/\r\x1b\[Kmonitoring staging: [^\r]*/g) ?? [];
  assert.ok(lines.length >= 3, `a status line per check:\n${JSON.stringify(shown.output)}`);
  assert.match(lines[0] ?? '', /1 checks · success 100\.0%/);
  // The line is cleared before the result, which starts on a clean line.
  assert.match(shown.output, /\r\x1b\[Kmonitor staging: /);
  for (const [why, output] of [
    ['--json', runInTerminal('monitor', [...args, '--json'], { cwd: dir }).output],
    ['NO_COLOR', runInTerminal('monitor', args, { cwd: dir, env: { NO_COLOR: '1' } }).output],
    ['piped', runScript('monitor', args, { cwd: dir, env: { NO_COLOR: undefined } }).stderr],
  ]) {
    assert.doesNotMatch(output, /monitoring staging|\x1b\[K/, `${why}: ${output}`);
  }
});

test('an analysis window shows, at a terminal, the time left and the figures so far; the line is gone when it ends', async (t) => {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const ctx = await openEnv(await repo(t, demo.port), 'staging');
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
    return true;
  };
  const stream = { write, isTTY: true } as unknown as NodeJS.WritableStream;
  const log = new Logger({ format: 'human', stream, color: true });
  const candidate = { version: 'v2', dir: ctx.root };
  const verdict = await analyseStep({
    phase: 'watch',
    step: { name: 'watch' },
    candidate,
    baseUrl: demo.url,
    candidateUrl: demo.url,
    holdMs: 700,
    intervalMs: 200,
    signal: new AbortController().signal,
    root: ctx.root,
    ctx,
    log,
  });
  assert.equal(verdict.decision, 'continue');
  const lines = text.match(/\r\x1b\[Kwatch: [^\r]*/g) ?? [];
  assert.ok(lines.length >= 2, JSON.stringify(text));
  assert.match(lines[0] ?? '', /^\r\x1b\[Kwatch: \d+ms left · 0 requests · errors —$/);
  assert.ok(text.endsWith('\r\x1b[K'), JSON.stringify(text));
});

test('`pnpm monitor` on a critical breach tells the environment’s channels (monitor.alert with the evidence and the rollback command)', async (t) => {
  const receiver = await startReceiver(t);
  const heard = () =>
    receiver.received.map(
      (r) => JSON.parse(r.body) as { event: string; rollbackCommand: string; evidence: { rule: string }[] },
    );
  const dir = await tempDir(t);
  await mkdir(join(dir, 'policies'));
  await writeFile(
    join(dir, 'policies', 'rules.yaml'),
    'watch:\n  - { kind: consecutive_failures, max: 3, severity: critical }\n',
  );
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: 1, rules: ['watch'], notify: ['audit'], target: { kind: 'command', shift: ['true'], rollback: ['true'] } } }, notify: { channels: { audit: { kind: 'webhook', urlEnv: 'AUDIT_HOOK' } } } };\n`,
  );
  // Async: the receiver answers from this process while the monitor runs.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'scripts', 'cli.mjs'), 'monitor', '--env', 'staging', '--duration', '5s', '--interval', '100ms'],
      { cwd: dir, stdio: 'ignore', env: { ...process.env, AUDIT_HOOK: `${receiver.url}/hook` } },
    );
    child.on('close', resolve);
  });
  assert.equal(code, 1);
  assert.deepEqual(
    heard().map((m) => m.event),
    ['monitor.alert'],
  );
  assert.equal(heard()[0].evidence[0].rule, 'consecutive_failures');
  assert.equal(heard()[0].rollbackCommand, 'pnpm rollback --env staging');
});
