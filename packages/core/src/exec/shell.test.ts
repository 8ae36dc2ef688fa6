import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Logger } from '../log/logger.ts';
import { createRedactor } from '../log/redact.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { ProcessOutput, commandLine, dryShell, shell } from './shell.ts';

const HOSTILE = [
  '$(id)',
  '`id`',
  'a; touch pwned',
  'two\nlines',
  '-rf',
  '--help',
  `it's "quoted"`,
  '*',
  '',
  'a b',
  '$HOME',
  '> pwned',
];
const PRINT_ARGV = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A child that records its pid, then waits: the tests check it is gone afterwards.
async function sleeper(dir: string): Promise<{ script: string; pid: () => Promise<number> }> {
  const script = join(dir, 'sleep.mjs');
  await writeFile(
    script,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'pid'))}, String(process.pid));\nsetTimeout(() => {}, 30_000);\n`,
  );
  return { script, pid: async () => Number(await readFile(join(dir, 'pid'), 'utf8')) };
}

test('hostile values reach the program as single arguments, verbatim, and nothing else runs', async (t) => {
  const dir = await tempDir(t);
  const out = await shell({ cwd: dir })`node -e ${PRINT_ARGV} -- ${HOSTILE}`;
  assert.deepEqual(JSON.parse(out.stdout), HOSTILE);
  assert.equal(existsSync(join(dir, 'pwned')), false, 'no value was read as shell syntax');
});

test('one hostile value interpolated alone stays one argument', async (t) => {
  const dir = await tempDir(t);
  for (const value of HOSTILE) {
    const out = await shell({ cwd: dir })`node -e ${PRINT_ARGV} -- ${value}`;
    assert.deepEqual(JSON.parse(out.stdout), [value], `value ${JSON.stringify(value)}`);
  }
  assert.equal(existsSync(join(dir, 'pwned')), false);
});

test('cwd, and env added to the inherited environment', async (t) => {
  const dir = await tempDir(t);
  const out = await shell({
    cwd: dir,
    env: { PILOT_SHELL_TEST: 'x y' },
  })`node -e ${'process.stdout.write(JSON.stringify([process.cwd(), process.env.PILOT_SHELL_TEST, Boolean(process.env.PATH)]))'}`;
  assert.deepEqual(JSON.parse(out.stdout), [dir, 'x y', true]);
});

test('no startup file runs before a command: neither BASH_ENV/ENV (as CI images set) nor ~/.bashrc (bash run with a socket for stdin and no SHLVL, as under turbo)', async (t) => {
  const dir = await tempDir(t);
  const startup = (name: string) => `echo ${name} >> ${JSON.stringify(join(dir, 'ran'))}\n`;
  await writeFile(join(dir, 'profile.sh'), startup('BASH_ENV'));
  await writeFile(join(dir, '.bashrc'), startup('.bashrc'));
  const saved = {
    BASH_ENV: process.env.BASH_ENV,
    ENV: process.env.ENV,
    HOME: process.env.HOME,
    SHLVL: process.env.SHLVL,
  };
  t.after(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });
  Object.assign(process.env, { BASH_ENV: join(dir, 'profile.sh'), ENV: join(dir, 'profile.sh'), HOME: dir });
  delete process.env.SHLVL;
  const out =
    await shell()`node -e ${'process.stdout.write(JSON.stringify([process.env.BASH_ENV ?? null, process.env.ENV ?? null]))'}`;
  assert.deepEqual(JSON.parse(out.stdout), [null, null]);
  assert.equal(existsSync(join(dir, 'ran')) ? await readFile(join(dir, 'ran'), 'utf8') : '', '', 'a startup file ran');
});

test('inheritEnv: false gives the command exactly the env passed', async () => {
  const out = await shell({
    inheritEnv: false,
    env: { PATH: process.env.PATH, ONLY: 'this' },
  })`node -e ${'process.stdout.write(JSON.stringify(Object.keys(process.env).filter((k) => k === "ONLY" || k === "HOME")))'}`;
  assert.deepEqual(JSON.parse(out.stdout), ['ONLY']);
});

test('a non-zero exit throws with its code; with nothrow it resolves for the caller to inspect', async () => {
  const failing = 'process.stderr.write("nope"); process.exit(3)';
  await assert.rejects(
    shell()`node -e ${failing}`,
    (error: unknown) => error instanceof ProcessOutput && error.exitCode === 3 && error.stderr === 'nope',
  );
  const out = await shell({ nothrow: true })`node -e ${failing}`;
  assert.equal(out.exitCode, 3);
});

test('timeout: the command is ended with SIGTERM when it passes', async (t) => {
  const dir = await tempDir(t);
  const child = await sleeper(dir);
  const started = Date.now();
  // 3 s: long enough for node to start on a loaded machine and write its pid, far below the child's 30 s.
  const out = await shell({ timeout: 3000, nothrow: true })`node ${child.script}`;
  assert.equal(out.signal, 'SIGTERM');
  assert.ok(Date.now() - started < 15_000, `ended after ${Date.now() - started}ms`);
  assert.equal(alive(await child.pid()), false);
});

test('signal: aborting ends the command, which rejects unless nothrow', async (t) => {
  const dir = await tempDir(t);
  const child = await sleeper(dir);
  const controller = new AbortController();
  const running = shell({ signal: controller.signal })`node ${child.script}`;
  while (!existsSync(join(dir, 'pid'))) await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort();
  await assert.rejects(running, (error: unknown) => error instanceof ProcessOutput && error.signal === 'SIGTERM');
  assert.equal(alive(await child.pid()), false);
});

test('the printed command is redacted: configured secrets, URL passwords, secret variables; the program gets the real values', async () => {
  const out = capture();
  const log = new Logger({ format: 'json', stream: out.stream, minLevel: 'debug' });
  log.redactor.add(['hunter2-configured']);
  const values = ['--password=hunter2-configured', 'postgres://app:s3cret-pw@127.0.0.1/db', 'tok-from-env-42'];
  const result = await shell({ log, env: { GH_TOKEN: 'tok-from-env-42' } })`node -e ${PRINT_ARGV} -- ${values}`;
  assert.deepEqual(JSON.parse(result.stdout), values);
  const printed = out.text();
  assert.match(printed, /exec\.command/);
  assert.match(printed, /--password=\[REDACTED\]/);
  assert.match(printed, /postgres:\/\/app:\*\*\*@127\.0\.0\.1/);
  for (const secret of ['hunter2-configured', 's3cret-pw', 'tok-from-env-42'])
    assert.equal(printed.includes(secret), false, `${secret} was printed`);
});

test('quiet below debug: nothing is printed, not even output', async () => {
  const out = capture();
  const log = new Logger({ format: 'json', stream: out.stream, minLevel: 'info' });
  await shell({ log })`node -e ${'console.log("hello"); console.error("warning")'}`;
  assert.equal(out.text(), '');
});

test('dry run: prints the exact command zx would run, redacted, and runs nothing', async (t) => {
  const dir = await tempDir(t);
  const lines: string[] = [];
  const redactor = createRedactor(['hunter2-configured']);
  const dry = dryShell({ redactor, print: (line) => lines.push(line) });
  const marker = join(dir, 'made; by $(id)');
  const out = await dry`touch ${marker} ${'--token=hunter2-configured'}`;
  assert.equal(out.exitCode, 0);
  assert.equal(existsSync(marker), false, 'the dry run started nothing');
  assert.deepEqual(lines, [
    `$ ${commandLine`touch ${marker} ${'--token=hunter2-configured'}`.replace('hunter2-configured', '[REDACTED]')}`,
  ]);
  // What was printed is what the shell would run: run it for real and the file appears.
  await shell()`touch ${marker}`;
  assert.equal(existsSync(marker), true);
});

test('pipes: tar | gzip read as a pipeline and stream between real processes', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.txt'), 'pilot\n');
  const $$ = shell({ cwd: dir });
  const out = await $$`tar -cf - a.txt`.pipe($$`gzip -c`).pipe($$`gzip -dc`).pipe($$`tar -tf -`);
  assert.equal(out.stdout.trim(), 'a.txt');
});

test('buffer: false streams a large pipeline through without keeping it, every byte delivered', async () => {
  const $$ = shell({ buffer: false });
  const source = $$`head -c 200000000 /dev/zero`;
  const out = await source.pipe($$`cat`).pipe(shell()`wc -c`);
  assert.equal(out.stdout.trim(), '200000000');
  assert.ok((await source).stdout.length <= 1 << 20, `kept ${(await source).stdout.length} bytes of 200 MB`);
});
