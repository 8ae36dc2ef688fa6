import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { shell } from '@pilot/core';
import { startLoad } from '../demo/load.ts';
import { type LocalRepo, makeLocalRepo, pidAlive } from '../testing/local-repo.ts';
import { PILOT, ROLLBACK, runScript } from '../testing/repo.ts';

// Issue 24, items 1 and 4, on the real router and release processes: a candidate that fails is stopped (never left
// running beside the stable release), and a broken one is found on its own port before any user request reaches it.
// One repository and router for the file: v1 is deployed once, each test deploys another release on top of it.
describe('release processes on the local target', () => {
  let repo: LocalRepo;
  let v1 = '';

  /** Polls the router while `work` runs: every pid it ran for a version other than v1. */
  async function watchCandidates<T>(work: Promise<T>): Promise<{ result: T; pids: Map<string, number> }> {
    const pids = new Map<string, number>();
    let done = false;
    const poll = (async () => {
      while (!done) {
        const status = await repo.router().catch(() => undefined);
        for (const r of status?.releases ?? []) if (r.version !== v1 && r.pid) pids.set(r.version, r.pid);
        await delay(100);
      }
    })();
    const result = await work.finally(() => (done = true));
    await poll;
    return { result, pids };
  }

  /** Waits (up to 10 s: drain and stop grace) until only v1 runs and every pid given has exited. */
  async function onlyStableRuns(pids: number[]): Promise<void> {
    let releases: { version: string; pid?: number }[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await delay(100)) {
      releases = (await repo.router()).releases;
      if (releases.length === 1 && pids.every((pid) => !pidAlive(pid))) break;
    }
    assert.deepEqual(
      releases.map((r) => r.version),
      [v1],
      `router runs ${JSON.stringify(releases)}`,
    );
    for (const pid of pids) assert.equal(pidAlive(pid), false, `candidate pid ${pid} still runs`);
    assert.equal((await repo.router()).stable?.version, v1);
  }

  const tags = async () => (await shell({ cwd: repo.root })`git tag -l`).stdout.split('\n').filter(Boolean);

  before(async () => {
    repo = await makeLocalRepo();
    await repo.commit('v1');
    const first = await runScript(PILOT, ['--json'], repo.root);
    assert.equal(first.code, 0, first.all);
    v1 = JSON.parse(first.stdout).release.version;
  });
  after(() => repo?.cleanup());

  test('a canary whose /api/hello answers 500 is rolled back before any user request reaches it, in seconds, not at the smoke deadline (30 s)', async () => {
    await repo.commit('v2: broken hello', 500);
    const load = startLoad(`${repo.url}/api/hello`, 40);
    const { result, pids } = await watchCandidates(runScript(PILOT, ['--json'], repo.root));
    const traffic = await load.stop();
    assert.equal(result.code, 1, result.all);
    const out = JSON.parse(result.stdout) as { deploymentId: string; release: { version: string } };
    const v2 = out.release.version;
    assert.match(result.all, /hello \(http:\/\/127\.0\.0\.1:\d+\/api\/hello\): status 500, expected 200/);
    // Users: every answer came from v1, none failed; the router counted no request for v2.
    assert.ok(traffic.total > 20, `load sent ${traffic.total} requests`);
    assert.deepEqual(Object.keys(traffic.byRelease), [v1], JSON.stringify(traffic));
    assert.equal(traffic.failed + traffic.byRelease[v1].errors, 0, JSON.stringify(traffic));
    assert.doesNotMatch(await repo.metrics(), new RegExp(`release="${v2}"`));
    // From the smoke step's start to the rollback: a definite 500 is not retried to the deadline.
    const journal = (await readFile(join(repo.root, '.pilot', 'deployments', `${out.deploymentId}.jsonl`), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const smokeStarted = journal.find((e) => e.event === 'step.started' && e.step === 'smoke');
    const ended = journal.find((e) => e.event === 'deployment.rolled_back');
    const smokeToRollbackMs = Date.parse(ended.ts) - Date.parse(smokeStarted.ts);
    console.log(
      `broken canary: ${traffic.byRelease[v1].ok} user requests, 0 to ${v2}; smoke start to rollback ${smokeToRollbackMs} ms`,
    );
    assert.ok(smokeToRollbackMs < 5000, `rolled back ${smokeToRollbackMs} ms after the smoke step started`);
    // Smoke-tested on its own port right after prepare: no shift was ever made.
    assert.deepEqual(journal[0].plan.map((s: { name: string }) => s.name).slice(3, 7), [
      'prepare',
      'smoke',
      'shift-50',
      'analyse-50',
    ]);
    assert.equal(journal.filter((e) => e.event === 'step.started' && e.step.startsWith('shift')).length, 0);
    await onlyStableRuns([...pids.values()]);
  });

  test('a blue-green deployment that fails its smoke tests leaves no candidate process running', async () => {
    await repo.commit('v3: broken hello', 500);
    const { result, pids } = await watchCandidates(runScript(PILOT, ['--strategy', 'blue-green', '--json'], repo.root));
    assert.equal(result.code, 1, result.all);
    const v3 = JSON.parse(result.stdout).release.version as string;
    assert.ok(pids.get(v3), `v3 ran during the deployment: ${JSON.stringify([...pids])}`);
    await onlyStableRuns([...pids.values()]);
  });

  for (const undo of ['pnpm rollback', 'pilot abort'] as const) {
    test(`killed during prepare (candidate started, step not completed), then ${undo}: only the stable release runs, and the deployment's tag is deleted`, async () => {
      await repo.commit(`killed during prepare, then ${undo}`);
      const killed = await runScript(PILOT, ['--json'], repo.root, { PILOT_TEST_KILL_AT: 'during:prepare' });
      assert.equal(killed.signal, 'SIGKILL', killed.all);
      const running = (await repo.router()).releases.filter((r) => r.version !== v1);
      assert.equal(running.length, 1, `the candidate runs after the kill: ${JSON.stringify(running)}`);
      assert.equal((await tags()).length, 2, `v1's tag and the killed deployment's: ${await tags()}`);
      const fix =
        undo === 'pnpm rollback'
          ? await runScript(ROLLBACK, ['--yes', '--json'], repo.root)
          : await runScript(PILOT, ['abort'], repo.root);
      assert.equal(fix.code, 0, fix.all);
      await onlyStableRuns(running.map((r) => r.pid!));
      assert.equal((await tags()).length, 1, `only v1's tag is left: ${await tags()}`);
    });
  }

  // Last: it leaves a warm release behind, which the tests above would count.
  test('a release kept warm after a blue-green switch keeps running when the next blue-green deployment fails: only its candidate stops', async () => {
    await repo.commit('v5: healthy');
    const switched = await runScript(PILOT, ['--strategy', 'blue-green', '--json'], repo.root);
    assert.equal(switched.code, 0, switched.all);
    const v5 = JSON.parse(switched.stdout).release.version as string;
    const warm = (await repo.router()).releases.find((r) => r.version === v1);
    assert.equal(warm?.retiring, true, `v1 is kept warm: ${JSON.stringify(warm)}`);
    await repo.commit('v6: broken hello', 500);
    const { result, pids } = await watchCandidates(runScript(PILOT, ['--strategy', 'blue-green', '--json'], repo.root));
    assert.equal(result.code, 1, result.all);
    const v6 = JSON.parse(result.stdout).release.version as string;
    const v6Pid = pids.get(v6)!;
    for (const until = Date.now() + 10_000; pidAlive(v6Pid) && Date.now() < until; ) await delay(100);
    assert.equal(pidAlive(v6Pid), false, `v6 (pid ${v6Pid}) stopped`);
    const after = await repo.router();
    assert.equal(after.stable?.version, v5);
    assert.deepEqual(
      after.releases.map((r) => [r.version, r.pid]).sort(),
      [
        [v1, warm.pid],
        [v5, pids.get(v5)],
      ].sort(),
      'v1 still warm, same process',
    );
  });
});
