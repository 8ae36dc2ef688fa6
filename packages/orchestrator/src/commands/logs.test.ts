import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock, JournalWriter, statePaths } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { recordHistory } from '../state/history.ts';
import { PILOT, runScript, scriptArgv } from '../testing/repo.ts';
import { streamFile } from './logs.ts';

/** A repository whose staging (local target) has v1 live and its application log on disk. */
async function repoWithAppLog(t: { after(fn: () => unknown): void }) {
  const root = await tempDir(t, 'pilot-logs-');
  const config = {
    service: { name: 'api', dir: '.', start: ['node', 'server.js'] },
    environments: {
      staging: { port: 4999, target: { kind: 'local' } },
      batch: { port: 4998, target: { kind: 'command', shift: ['true'], rollback: ['true'] } },
    },
    checks: {},
  };
  await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config)};\n`);
  const paths = statePaths(join(root, '.pilot'));
  await recordHistory(paths.root, 'staging', 'release.live', { version: 'v1', deploymentId: 'd1' });
  const logs = join(paths.router('staging'), 'logs');
  await mkdir(logs, { recursive: true });
  await writeFile(join(logs, 'v1.log'), 'listening on 4100\n');
  await writeFile(join(logs, 'v0.log'), 'the old one\n');
  return { root, appLog: join(logs, 'v1.log') };
}

test('pilot logs --app shows the live release’s output (or --release V’s), and bad combinations say what to do (exit 2)', async (t) => {
  const { root } = await repoWithAppLog(t);
  const live = await runScript(PILOT, ['logs', '--app'], root);
  assert.equal(live.code, 0, live.all);
  assert.equal(live.stdout, 'listening on 4100');
  const old = await runScript(PILOT, ['logs', '--app', '--release', 'v0'], root);
  assert.equal(old.stdout, 'the old one');
  const missing = await runScript(PILOT, ['logs', '--app', '--release', 'v9'], root);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--release v9: no application log at .*v9\.log/);
  const noApp = await runScript(PILOT, ['logs', '--release', 'v0'], root);
  assert.equal(noApp.code, 2);
  assert.match(noApp.stderr, /add --app/);
  const outside = await runScript(PILOT, ['logs', '--app', '--release', '../../../etc/passwd'], root);
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /--release "\.\.\/\.\.\/\.\.\/etc\/passwd" is not a usable release version/);
  const command = await runScript(PILOT, ['logs', '--app', '--env', 'batch'], root);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /uses the command target/);
});

test('pilot logs --app -f follows what the release appends until Ctrl-C', async (t) => {
  const { root, appLog } = await repoWithAppLog(t);
  const child = spawn(process.execPath, [...(await scriptArgv(PILOT)), 'logs', '--app', '-f'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  const seen = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`never saw ${JSON.stringify(text)}; got ${JSON.stringify(out)}`)),
        15_000,
      );
      const check = () => {
        if (!out.includes(text)) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      };
      const onData = (chunk: Buffer) => {
        out += chunk;
        check();
      };
      child.stdout.on('data', onData);
      check();
    });
  await seen('listening on 4100\n');
  await appendFile(appLog, 'GET /posts 200\n');
  await seen('GET /posts 200\n');
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, 'Ctrl-C is how a follow ends: not an error');
  assert.equal(out, 'listening on 4100\nGET /posts 200\n');
});

test('pilot logs -f follows a running deployment’s journal and ends by itself when the deployment ends', async (t) => {
  const { root } = await repoWithAppLog(t);
  const paths = statePaths(join(root, '.pilot'));
  // Held by this process, as a running deployment holds it: not "interrupted".
  await acquireLock({ path: paths.lock('staging'), auditPath: paths.audit }, 'staging', 'staging-20261129-000000-abcd');
  const journal = await JournalWriter.open(paths.journal('staging-20261129-000000-abcd'));
  await journal.append('deployment.started', { env: 'staging', plan: [] });
  const child = spawn(process.execPath, [...(await scriptArgv(PILOT)), 'logs', '-f'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  // Appended only once the command has printed what was there: what follows can only come from following.
  const deadline = Date.now() + 15_000;
  while (!out.includes('deployment.started') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(out, /deployment\.started\n$/);
  await journal.append('step.started', { step: 'build' });
  await journal.append('deployment.succeeded', {});
  const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, out);
  assert.match(
    out,
    /deployment\.started\n.*step\.started build\n.*deployment\.succeeded\nstaging-20261129-000000-abcd: succeeded\n$/,
  );
});

test('streamFile hands whole lines to the masker, even when a line arrives in two appends and spans read chunks', async (t) => {
  const dir = await tempDir(t, 'pilot-stream-');
  const file = join(dir, 'app.log');
  const long = 'x'.repeat(70 * 1024);
  await writeFile(file, `token=s3cr`);
  const lines: string[] = [];
  const controller = new AbortController();
  const following = streamFile(file, (text) => void lines.push(text), true, controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 400));
  await appendFile(file, `et-value\n${long}\nlast`);
  await new Promise((resolve) => setTimeout(resolve, 800));
  controller.abort();
  await following;
  assert.equal(lines.join(''), `token=s3cret-value\n${long}\nlast`);
  assert.ok(
    lines.every((text, i) => i === lines.length - 1 || text.endsWith('\n')),
    'every piece but the unfinished last line ends a line',
  );
  assert.ok(
    lines.some((text) => text.includes('token=s3cret-value')),
    'the secret reached the masker whole',
  );
});
