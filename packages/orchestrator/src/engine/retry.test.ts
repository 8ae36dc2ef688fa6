import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');

test('pilot retry after a rolled-back deployment deploys the same version again (no --version); the tag of the release that never went live was deleted', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const tags = async () => (await shell({ cwd: repo.root })`git tag -l`).stdout.split('\n').filter(Boolean);
  assert.equal((await runScript(PILOT, [], repo.root)).code, 0);
  await repo.commit('v2');
  // The stand-in infrastructure fails the traffic shift once: the deployment rolls back.
  const failed = await runScript(PILOT, ['--json'], repo.root, { INFRA_FAIL: 'shift' });
  assert.equal(failed.code, 1, failed.all);
  const v2 = JSON.parse(failed.stdout).release.version;
  assert.equal(JSON.parse(failed.stdout).outcome, 'rolled_back');
  assert.deepEqual(
    (await tags()).filter((tag) => tag.includes(v2)),
    [],
    'no tag for a release that never went live',
  );
  const [status] = JSON.parse((await runScript(PILOT, ['status', '--json'], repo.root)).stdout);
  assert.match(
    status.next,
    new RegExp(`\`pnpm pilot retry --env staging\` deploys ${v2} again \\(deployment \\S+ rolled back\\)`),
  );
  const retried = await runScript(PILOT, ['retry', '--json'], repo.root);
  assert.equal(retried.code, 0, retried.all);
  assert.equal(JSON.parse(retried.stdout).release.version, v2);
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, v2);
  assert.ok((await tags()).includes(`svc-staging-${v2}`));
  const again = await runScript(PILOT, ['retry'], repo.root);
  assert.equal(again.code, 2, again.all);
  assert.match(
    again.stderr,
    new RegExp(
      `nothing to retry on staging: its last deployment \\S+ of ${v2} succeeded — \`pnpm pilot --env staging\` deploys a new release`,
    ),
  );
});

test('an aborted deployment with --version is retried under that version; a run still open is refused (exit 3) naming resume and abort', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  assert.equal((await runScript(PILOT, [], repo.root)).code, 0);
  await repo.commit('v2');
  const killed = await runScript(PILOT, ['--version', '2.0.0'], repo.root, { PILOT_TEST_KILL_AT: 'analyse-50' });
  assert.equal(killed.signal, 'SIGKILL', killed.all);
  const open = await runScript(PILOT, ['retry'], repo.root);
  assert.equal(open.code, 3, open.all);
  assert.match(
    open.stderr,
    /of 2\.0\.0 on staging is interrupted, not ended — `pnpm pilot resume --env staging` continues it, `pnpm pilot abort --env staging` ends it/,
  );
  assert.equal((await runScript(PILOT, ['abort'], repo.root)).code, 0);
  const retried = await runScript(PILOT, ['retry', '--json'], repo.root);
  assert.equal(retried.code, 0, retried.all);
  assert.equal(JSON.parse(retried.stdout).release.version, '2.0.0');
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, '2.0.0');
});
