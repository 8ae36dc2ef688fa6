import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { FIXTURES, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');

test('rollback with nothing live says so (exit 3) and points to pilot status; it never asks for a "to"', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const r = await runScript(ROLLBACK, ['--yes'], repo.root);
  assert.equal(r.code, 3, r.all);
  assert.match(
    r.stderr,
    /nothing is live on staging, so there is nothing to roll back — `pnpm pilot status --env staging`/,
  );
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

test('rollback after a rollback goes further back to the last-known-good release, never forward to the one it left; pilot status names the target; the postRollback hook runs after each', async (t) => {
  const record =
    'const e=process.env; require("fs").appendFileSync("../rollbacks.log", [e.PILOT_VERSION, e.PILOT_PREVIOUS, e.PILOT_ROLLBACK_REASON].join(" ")+"\\n")';
  const repo = await makeRepo({ env: { hooks: { postRollback: [{ run: ['node', '-e', record] }] } } });
  t.after(() => repo.cleanup());
  const versions: string[] = [];
  for (const name of ['v1', 'v2', 'v3']) {
    if (versions.length) await repo.commit(name);
    const r = await runScript(PILOT, ['--json'], repo.root);
    assert.equal(r.code, 0, r.all);
    versions.push(JSON.parse(r.stdout).release.version);
  }
  const [v1, v2, v3] = versions;
  // The stand-in analysis for the smoke tests (the stand-in service has no Prometheus metrics).
  const back = (args: string[]) => runScript(PILOT, args, repo.root, { PILOT_SCRIPT: ROLLBACK });
  const status = async () => {
    const r = await runScript(PILOT, ['status'], repo.root);
    return r.stdout.split('\n')[0];
  };
  assert.match(await status(), new RegExp(`live ${v3} · last-known-good ${v3} · \`pnpm rollback\` → ${v2} ·`));
  const first = await back(['--yes', '--json']);
  assert.equal(first.code, 0, first.all);
  assert.equal(JSON.parse(first.stdout).to, v2);
  // v3 was rolled back from: it is no longer known good, so the next rollback goes to v1.
  assert.match(await status(), new RegExp(`live ${v2} · last-known-good ${v2} · \`pnpm rollback\` → ${v1} ·`));
  const second = await back(['--yes', '--json']);
  assert.equal(second.code, 0, second.all);
  assert.deepEqual([JSON.parse(second.stdout).from, JSON.parse(second.stdout).to], [v2, v1]);
  assert.match(await status(), new RegExp(`live ${v1} · last-known-good ${v1} · nothing to roll back to ·`));
  const third = await back(['--yes']);
  assert.equal(third.code, 3, third.all);
  assert.match(third.stderr, new RegExp(`no last-known-good release on staging other than ${v1} \\(live\\)`));
  assert.equal(
    await readFile(join(repo.root, '..', 'rollbacks.log'), 'utf8'),
    `${v3} ${v2} operator\n${v2} ${v1} operator\n`,
  );
});

test('pilot status never recommends pnpm rollback for an interrupted first deployment: it names pilot abort, which works', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const killed = await runScript(PILOT, ['--json'], repo.root, { PILOT_TEST_KILL_AT: 'promote' });
  assert.equal(killed.signal, 'SIGKILL', killed.all);
  const status = await runScript(PILOT, ['status', '--json'], repo.root);
  const next = JSON.parse(status.stdout)[0].next as string;
  assert.match(
    next,
    /`pnpm pilot resume --env staging` continues it, `pnpm pilot abort --env staging` withdraws it \(nothing served before\)/,
  );
  assert.doesNotMatch(next, /pnpm rollback/);
  const abort = await runScript(PILOT, ['abort'], repo.root);
  assert.equal(abort.code, 0, abort.all);
  const after = JSON.parse((await runScript(PILOT, ['status', '--json'], repo.root)).stdout)[0];
  assert.equal(after.lock.held, false);
  // Withdrawn and ended: what can be done now is deploying that release again.
  assert.match(after.next, /^`pnpm pilot retry --env staging` deploys v1-\w+ again \(deployment \S+ aborted\)$/);
});

test('killed right after creating and pushing its tag (the tag step not completed), then pnpm rollback: the tag is deleted locally and on the remote, as Ctrl-C and pilot abort do', async (t) => {
  const remote = join(await tempDir(t, 'pilot-remote-'), 'remote.git');
  await shell()`git init -q --bare ${remote}`;
  const repo = await makeRepo({ git: { remote } });
  t.after(() => repo.cleanup());
  const first = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(first.code, 0, first.all);
  const v1Tag = `svc-staging-${JSON.parse(first.stdout).release.version}`;
  await repo.commit('v2');
  const killed = await runScript(PILOT, ['--json'], repo.root, { PILOT_TEST_KILL_AT: 'during:tag' });
  assert.equal(killed.signal, 'SIGKILL', killed.all);
  const local = async () => (await shell({ cwd: repo.root })`git tag -l`).stdout.split('\n').filter(Boolean);
  const pushed = async () =>
    [...(await shell()`git ls-remote --tags ${remote}`).stdout.matchAll(/refs\/tags\/([^\s^]+)$/gm)].map((m) => m[1]);
  const [v2Tag] = (await local()).filter((tag) => tag !== v1Tag);
  assert.ok(v2Tag, 'the killed deployment created its tag');
  assert.deepEqual(await pushed(), [v1Tag, v2Tag].sort());
  const back = await runScript(PILOT, ['--yes', '--json'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(back.code, 0, back.all);
  assert.equal(JSON.parse(back.stdout).tagDeleted, v2Tag);
  assert.deepEqual(await local(), [v1Tag]);
  assert.deepEqual(await pushed(), [v1Tag]);
});
