import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openEnv } from '@pilot/core';
import { environmentStatus } from '../commands/status.ts';
import { FIXTURES, ROLLBACK, type TestRepo, makeRepo, runScript } from '../testing/repo.ts';

// Crash safety: SIGKILL at every step boundary in turn (PILOT_TEST_KILL_AT), then `pilot status` and either
// `pilot resume` or `pnpm rollback` must leave all traffic on a healthy release and the lock free.
const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const BOUNDARIES = [
  'build',
  'dry-run',
  'tag',
  'prepare',
  'shift-50',
  'smoke',
  'analyse-50',
  'promote',
  'finalize',
  'after:finalize',
];
const RECOVERIES = ['resume', 'rollback'] as const;
const results: string[] = [];

// Each repository takes its kill points one after another, each on a new commit over whatever the previous recovery
// left (one first deployment per five kill points, and every recovery is also tested as the ground for the next).
const HALVES = [BOUNDARIES.slice(0, 5), BOUNDARIES.slice(5)];

describe('crash safety', { concurrency: 4 }, () => {
  for (const recovery of RECOVERIES) {
    for (const boundaries of HALVES) {
      test(`kill -9 at ${boundaries.join(', ')} in turn, each followed by status + ${recovery}`, async (t) => {
        const repo = await makeRepo();
        t.after(() => repo.cleanup());
        const first = await runScript(PILOT, [], repo.root);
        assert.equal(first.code, 0, first.all);
        for (const at of boundaries)
          await t.test(`kill -9 at ${at}, then status + ${recovery}: traffic on a healthy release, lock free`, () =>
            killAndRecover(repo, at, recovery),
          );
      });
    }
  }
});

async function killAndRecover(repo: TestRepo, at: string, recovery: (typeof RECOVERIES)[number]): Promise<void> {
  const before = JSON.parse(await readFile(repo.infraState, 'utf8')).stable;
  await repo.commit(`after ${at}`);
  const killed = await runScript(PILOT, ['--json'], repo.root, { PILOT_TEST_KILL_AT: at });
  assert.equal(killed.signal, 'SIGKILL', `expected the kill hook to fire at ${at}: ${killed.all}`);
  // `pilot status` reads the same function in-process (one CLI start less per kill point keeps the suite fast).
  const staging = await environmentStatus(await openEnv(repo.root, 'staging'));
  assert.equal(
    staging.open?.effective,
    'interrupted',
    `status shows the interrupted deployment: ${JSON.stringify(staging)}`,
  );
  assert.match(staging.next ?? '', /pilot resume --env staging.*pnpm rollback --env staging/);
  const fix =
    recovery === 'resume'
      ? await runScript(PILOT, ['resume', '--json'], repo.root)
      : await runScript(PILOT, ['--yes', '--json'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(fix.code, 0, fix.all);
  const infra = JSON.parse(await readFile(repo.infraState, 'utf8'));
  assert.equal(infra.candidate, null, 'no half-shifted candidate');
  const expected = recovery === 'resume' ? JSON.parse(fix.stdout).release.version : before;
  assert.equal(infra.stable, expected);
  const hello = await fetch(`http://127.0.0.1:${repo.port}/api/hello`);
  assert.equal(hello.status, 200);
  const after = await environmentStatus(await openEnv(repo.root, 'staging'));
  assert.equal(after.lock.held, false);
  assert.equal(after.open, undefined);
  results.push(`${at}/${recovery}`);
}

test('crash-safety summary', () => {
  console.log(`# crash safety: ${results.length} of ${BOUNDARIES.length * RECOVERIES.length} kill points recovered`);
});
