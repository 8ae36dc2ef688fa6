import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../testing/repo.ts';
import { createCommandTarget, expandArgv } from './command.ts';

test('template variables are substituted inside single argv elements, never through a shell', () => {
  const argv = expandArgv(
    ['deploy', '--version={version}', '{percent}%', '{env}', '{commit}', '$(rm -rf /)', '{unknown}'],
    { version: 'v1; echo pwned', percent: '5', env: 'staging', commit: 'abc' },
  );
  assert.deepEqual(argv, ['deploy', '--version=v1; echo pwned', '5%', 'staging', 'abc', '$(rm -rf /)', '{unknown}']);
});

test('the command target runs each phase with its arguments, and a failing command names itself and its output', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-cmd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'calls.txt');
  // A node one-liner appends its argv: spaces and quotes in a value arrive intact as one argument.
  const record = [
    'node',
    '-e',
    'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")',
    out,
  ];
  const { log } = memoryLogger();
  const target = createCommandTarget({
    config: {
      kind: 'command',
      prepare: [...record, 'prepare', '{version}'],
      shift: [...record, 'shift', '{version}', '{weight}'],
      rollback: [...record, 'rollback', '{version}'],
      dryRun: ['node', '-e', 'process.exit(process.argv[1] === "v 2" ? 0 : 9)', '{version}'],
    },
    root: dir,
    envName: 'staging',
    log,
  });
  const release = { version: 'v 2', dir, commit: 'c0ffee' };
  const plan = await target.plan(release, [10, 100]);
  assert.deepEqual(
    plan.map((s) => s.action),
    ['dry-run', 'prepare', 'shift', 'promote'],
  );
  await target.prepare(release);
  await target.shift(release, 10);
  await target.promote(release);
  await target.rollback({ version: 'v1', dir });
  const calls = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(calls, [
    ['prepare', 'v 2'],
    ['shift', 'v 2', '10'],
    ['shift', 'v 2', '100'],
    ['rollback', 'v1'],
  ]);
  const failing = createCommandTarget({
    config: {
      kind: 'command',
      shift: ['node', '-e', 'console.error("no capacity"); process.exit(5)'],
      rollback: ['true'],
    },
    root: dir,
    envName: 'staging',
    log,
  });
  await assert.rejects(failing.shift(release, 5), /target shift command failed \(exit 5\): node -e .*\nno capacity/);
});
