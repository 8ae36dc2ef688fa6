import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode, InterruptedError } from '@pilot/core';
import { repoRoot, tempDir } from '@pilot/core/testing';
import { createBackup } from './create.ts';
import { listBackups } from './list.ts';

/** ~100 MB of incompressible files: a backup of it takes seconds, so an interruption lands mid-way. */
async function bigTree(dir: string): Promise<string> {
  const src = join(dir, 'src');
  await mkdir(src);
  for (let i = 0; i < 10; i++) await writeFile(join(src, `blob${i}`), randomBytes(10 * 2 ** 20));
  return src;
}

test('an aborted createBackup stops promptly with InterruptedError and leaves no file in the backup folder', async (t) => {
  const dir = await tempDir(t);
  const src = await bigTree(dir);
  const out = join(dir, 'out');
  const controller = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort('SIGINT');
  }, 300);
  await assert.rejects(
    createBackup({ root: src, paths: ['.'], out, name: 'big', level: 9, signal: controller.signal }),
    (error: unknown) => {
      assert.ok(error instanceof InterruptedError, String(error));
      assert.match(error.message, /interrupted \(SIGINT\).*nothing was kept/);
      return true;
    },
  );
  const stopped = performance.now() - abortedAt;
  assert.ok(abortedAt > 0, 'the backup was still running when it was aborted');
  assert.ok(stopped < 1000, `stopped ${stopped.toFixed(0)} ms after the abort`);
  assert.deepEqual(await readdir(out), [], 'temp archive removed');
  assert.deepEqual(await listBackups(out), []);
});

test('Ctrl-C on `pnpm backup-dhash` exits 130 promptly and leaves nothing in the backup folder', async (t) => {
  const dir = await tempDir(t);
  const src = await bigTree(dir);
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: 18998 } } };\n`,
  );
  const out = join(dir, 'out');
  const child = spawn(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      join(repoRoot, 'scripts', 'backup-dhash.ts'),
      src,
      '--out',
      out,
      '--name',
      'big',
    ],
    {
      cwd: dir,
      env: { ...process.env, PILOT_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stdout.resume();
  const started = new Promise<void>((resolve) => {
    child.stderr.on('data', (text: string) => {
      stderr += text;
      if (stderr.includes('"backup.started"')) resolve();
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await Promise.race([started, exited]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const signalledAt = performance.now();
  child.kill('SIGINT');
  const [code] = await exited;
  const stopped = performance.now() - signalledAt;
  assert.equal(code, ExitCode.interrupted, stderr);
  assert.ok(stopped < 2000, `exited ${stopped.toFixed(0)} ms after SIGINT`);
  assert.match(stderr, /backup interrupted \(SIGINT\)/);
  assert.deepEqual(await readdir(out), [], 'temp archive removed');
});
