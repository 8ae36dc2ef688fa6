import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');

test('rollback with nothing live says so (exit 3) and points to pilot status; it never asks for a "to"', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const r = await runScript(ROLLBACK, ['--yes'], repo.root);
  assert.equal(r.code, 3, r.all);
  assert.match(r.stderr, /nothing is live on staging, so there is nothing to roll back — `pnpm pilot status --env staging`/);
  assert.doesNotMatch(r.all, /pass "to"/);
});

test('rollback --to the release already live: "already live", exit 0, nothing done (no lock, no journal, no switch)', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const first = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(first.code, 0, first.all);
  const v1 = JSON.parse(first.stdout).release.version;
  const journals = await readdir(join(repo.root, '.pilot', 'deployments'));
  const r = await runScript(ROLLBACK, ['--to', v1, '--yes'], repo.root);
  assert.equal(r.code, 0, r.all);
  assert.equal(r.stdout.trim(), `${v1} is already live on staging: nothing was done.`);
  assert.deepEqual(await readdir(join(repo.root, '.pilot', 'deployments')), journals);
});
