import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEnv, readJournal, readLock, statePaths, shell } from '@pilot/core';
import { rollback } from '../commands/rollback.ts';
import { approveRelease } from '../commands/approve.ts';
import { prunedManifest } from '../release/manifest.ts';
import { readHistory } from '../state/history.ts';
import { standInAnalysis } from '../testing/probe-analysis.ts';
import {
  FIXTURES,
  ROLLBACK,
  type RepoOptions,
  type TestRepo,
  makeRepo,
  memoryLogger,
  runScript,
} from '../testing/repo.ts';
import { resumeDeployment, resumeDue } from './control.ts';
import { type DeployOptions, deploy } from './deploy.ts';

const infraOf = async (repo: TestRepo) => JSON.parse(await readFile(repo.infraState, 'utf8'));

async function setup(t: { after(fn: () => Promise<void>): void }, options?: RepoOptions) {
  const repo = await makeRepo(options);
  t.after(() => repo.cleanup());
  const { log, lines } = memoryLogger();
  const run = async (envName = 'staging', extra: Partial<DeployOptions> = {}) => {
    const ctx = await openEnv(repo.root, envName, log);
    return {
      ctx,
      result: await deploy({ ctx, log, signal: new AbortController().signal, analysis: standInAnalysis(), ...extra }),
    };
  };
  return { repo, log, lines, run };
}

test('canary: first release goes live, the next one is shifted, analysed, promoted and marked last-known-good', async (t) => {
  const { repo, run } = await setup(t);
  const first = await run();
  assert.equal(first.result.outcome, 'succeeded');
  await repo.commit('v2');
  const { ctx, result } = await run();
  assert.equal(result.outcome, 'succeeded', result.reason);
  assert.deepEqual(
    result.plan.map((s) => s.name),
    ['build', 'dry-run', 'tag', 'prepare', 'shift-50', 'smoke', 'analyse-50', 'promote', 'finalize'],
  );
  assert.equal((await infraOf(repo)).stable, result.release.version);
  assert.equal(result.stable, first.result.release.version);
  const history = await readHistory(ctx.paths.root, 'staging');
  assert.deepEqual(
    history.filter((h) => h.event === 'release.lkg').map((h) => h.version),
    [first.result.release.version, result.release.version],
  );
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  const tags = (await shell({ cwd: repo.root })`git tag -l`).stdout.split('\n');
  assert.ok(tags.includes(`svc-staging-${result.release.version}`), tags.join(','));
  const archive = await readFile(`${ctx.paths.releases}/${result.release.version}.tar.gz`);
  assert.ok(archive.length > 0 && result.release.digest?.startsWith('sha256:'));
});

test('canary: a candidate with ERROR_RATE=0.5 is rolled back automatically, exit 1, traffic on stable, lock free', async (t) => {
  const { repo, run } = await setup(t);
  const good = (await run()).result;
  await repo.commit('faulty');
  const { ctx, result } = await run('staging', { buildEnv: { ERROR_RATE: '0.5' } });
  assert.equal(result.outcome, 'rolled_back');
  assert.equal(result.exitCode, 1);
  assert.match(result.reason ?? '', /error_rate|smoke tests failed/);
  const infra = await infraOf(repo);
  assert.equal(infra.stable, good.release.version);
  assert.equal(infra.candidate, null);
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  const { entries } = await readJournal(statePaths(ctx.paths.root).journal(result.deploymentId!));
  assert.equal(entries.at(-1)?.event, 'deployment.rolled_back');
});

test('blue-green: switch to 100% after pre-promotion analysis, then `rollback` switches back to the warm release', async (t) => {
  const { repo, log, run } = await setup(t);
  const blue = (await run()).result;
  await repo.commit('green');
  const { ctx, result } = await run('staging', { strategy: 'blue-green' });
  assert.equal(result.outcome, 'succeeded', result.reason);
  assert.ok(result.plan.some((s) => s.name === 'analyse-0') && !result.plan.some((s) => s.kind === 'shift'));
  assert.equal((await infraOf(repo)).stable, result.release.version);
  const back = await rollback({ ctx, log, signal: new AbortController().signal, analysis: standInAnalysis() });
  assert.equal(back.exitCode, 0);
  assert.equal(back.to, blue.release.version);
  assert.equal(back.from, result.release.version);
  assert.equal((await infraOf(repo)).stable, blue.release.version);
  assert.ok(back.switchMs >= 0 && back.elapsedMs >= back.switchMs);
});

test('batch: a step with `after` pauses (exit 4, lock kept) until `resume --due` finds it due', async (t) => {
  const strategy = {
    kind: 'batch',
    steps: [10, { weight: 50, after: '1s' }, 100],
    analysisWindow: '400ms',
    interval: '200ms',
  };
  const { repo, log, run } = await setup(t, { strategy });
  await run();
  await repo.commit('batch');
  const { ctx, result } = await run();
  assert.equal(result.outcome, 'paused');
  assert.equal(result.exitCode, 4);
  assert.equal(result.pausedAt, 'wait-2');
  const lock = await readLock(ctx.lockOptions);
  assert.equal(lock.state, 'detached');
  assert.equal((await infraOf(repo)).weight, 10);
  const early = await resumeDue({
    contexts: [ctx],
    log,
    signal: new AbortController().signal,
    analysis: standInAnalysis(),
  });
  assert.equal(early.length, 0);
  await new Promise((r) => setTimeout(r, 1100));
  const due = await resumeDue({
    contexts: [ctx],
    log,
    signal: new AbortController().signal,
    analysis: standInAnalysis(),
  });
  assert.equal(due.length, 1);
  assert.equal(due[0].outcome, 'succeeded', due[0].reason);
  assert.equal((await infraOf(repo)).stable, result.release.version);
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  const log2 = (await readFile(`${repo.infraState}.log`, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    log2.filter((l) => l.phase === 'shift').map((l) => l.weight),
    ['10', '50'],
  );
});

test('manual pause step: exit 4 and the lock held by the deployment; `promote` continues it to 100%', async (t) => {
  const strategy = {
    kind: 'canary',
    steps: [25, { pause: true, reason: 'QA sign-off' }, 100],
    analysisWindow: '400ms',
    interval: '200ms',
  };
  const { repo, log, run } = await setup(t, { strategy });
  await run();
  await repo.commit('paused');
  const { ctx, result } = await run();
  assert.equal(result.exitCode, 4);
  assert.match(result.reason ?? '', /QA sign-off/);
  await assert.rejects(run(), /paused/);
  const done = await resumeDeployment({
    ctx,
    log,
    signal: new AbortController().signal,
    promote: true,
    analysis: standInAnalysis(),
  });
  assert.equal(done.outcome, 'succeeded', done.reason);
  assert.equal((await infraOf(repo)).stable, result.release.version);
});

test('approvals and upstream: production refuses (exit 3) until staging promoted the release and it is approved', async (t) => {
  const { repo, run } = await setup(t, {
    extraEnvs: { production: { upstream: 'staging', approvals: { count: 2, roles: ['security'] } } },
  });
  const refused = await run('production').then(
    () => undefined,
    (e) => e,
  );
  assert.equal(refused?.exitCode, 3);
  assert.match(refused.message, /upstream promotion: .* was not promoted in staging/);
  assert.match(
    refused.message,
    /approvals: needs 2 more approval\(s\) \(have 0 of 2\) and an approval with role security/,
  );
  const staged = (await run()).result;
  const ctx = await openEnv(repo.root, 'production');
  await approveRelease({ ctx, release: staged.release.version, as: 'alice', role: 'security' });
  await approveRelease({ ctx, release: staged.release.version, as: 'alice', role: 'security' });
  const again = await run('production').then(
    () => undefined,
    (e) => e,
  );
  assert.match(again?.message ?? '', /needs 1 more approval\(s\) \(have 1 of 2\)/, 'the same approver counts once');
  const second = await approveRelease({ ctx, release: staged.release.version, as: 'bob', note: 'looks good' });
  assert.equal(second.satisfied, true);
  const prod = await run('production');
  assert.equal(prod.result.outcome, 'succeeded', prod.result.reason);
});

test('deploy window: outside it the run is refused (exit 3); --force deploys and the override is journalled', async (t) => {
  const today = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date().getUTCDay()];
  const other = today === 'mon' ? 'tue' : 'mon';
  const { run } = await setup(t, { env: { windows: [{ days: [other], start: '00:00', end: '23:59' }] } });
  const refused = await run().then(
    () => undefined,
    (e) => e,
  );
  assert.equal(refused?.exitCode, 3);
  assert.match(
    refused.message,
    /deploy window: outside the deploy windows \(mon|tue.*\) — wait for the window, or pass --force/,
  );
  const { ctx, result } = await run('staging', { force: true });
  assert.equal(result.outcome, 'succeeded');
  const { entries } = await readJournal(statePaths(ctx.paths.root).journal(result.deploymentId!));
  const started = entries.find((e) => e.event === 'deployment.started') as
    | { state?: { forced?: string[] } }
    | undefined;
  assert.deepEqual(started?.state?.forced, ['deploy window']);
});

test('`pilot abort` on a paused deployment: traffic back on stable, its unpromoted tag deleted, lock released', async (t) => {
  const strategy = { kind: 'canary', steps: [30, { pause: true }, 100], analysisWindow: '300ms', interval: '100ms' };
  const { repo, log, run } = await setup(t, { strategy });
  const v1 = (await run()).result.release.version;
  await repo.commit('to abort');
  const { ctx, result } = await run();
  assert.equal(result.exitCode, 4);
  assert.equal((await infraOf(repo)).weight, 30);
  const { abortDeployment } = await import('./control.ts');
  const aborted = await abortDeployment({
    ctx,
    log,
    signal: new AbortController().signal,
    analysis: standInAnalysis(),
  });
  assert.match(aborted.summary, /traffic back on v1-.*tag svc-staging-v2-.* deleted; lock released/);
  const infra = await infraOf(repo);
  assert.equal(infra.stable, v1);
  assert.equal(infra.candidate, null);
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  assert.equal((await shell({ cwd: repo.root })`git tag -l ${'svc-staging-v2-*'}`).stdout, '');
});

test('rollback --drill: back to last-known-good, smoke-tested, forward again, drill recorded; --to an unknown release is exit 2', async (t) => {
  const { repo, log, run } = await setup(t);
  const v1 = (await run()).result.release.version;
  await repo.commit('v2');
  const { ctx, result } = await run();
  const drill = await rollback({
    ctx,
    log,
    signal: new AbortController().signal,
    drill: true,
    analysis: standInAnalysis(),
  });
  assert.equal(drill.exitCode, 0);
  assert.equal(drill.to, v1);
  assert.deepEqual(
    { forwardTo: drill.drill?.forwardTo, smoke: drill.drill?.smokePassed },
    { forwardTo: result.release.version, smoke: true },
  );
  assert.equal((await infraOf(repo)).stable, result.release.version);
  assert.ok((await readHistory(ctx.paths.root, 'staging')).some((h) => h.event === 'rollback.drill'));
  await assert.rejects(
    rollback({ ctx, log, signal: new AbortController().signal, to: 'v999', analysis: standInAnalysis() }),
    (e: { exitCode?: number; message: string }) =>
      e.exitCode === 2 && /--to "v999" is neither a built release/.test(e.message),
  );
  const byTag = await rollback({
    ctx,
    log,
    signal: new AbortController().signal,
    to: `svc-staging-${v1}`,
    analysis: standInAnalysis(),
  });
  assert.equal(byTag.to, v1);
});

test('step hooks: a later capability sees each step; a `before promote` gate that throws rolls the canary back', async (t) => {
  const { repo, run } = await setup(t);
  const v1 = (await run()).result.release.version;
  await repo.commit('gated');
  const seen: string[] = [];
  const hooks = [
    { name: 'recorder', after: { '*': async (step: { name: string }) => void seen.push(step.name) } },
    {
      name: 'go/no-go gate',
      before: {
        promote: async (_step: unknown, ctx: { journal(e: string, f?: Record<string, unknown>): Promise<void> }) => {
          await ctx.journal('gate.checked', { go: false });
          throw new Error('go/no-go gate said no-go');
        },
      },
    },
  ];
  const { ctx, result } = await run('staging', { hooks });
  assert.equal(result.outcome, 'rolled_back');
  assert.match(result.reason ?? '', /no-go/);
  assert.deepEqual(seen, ['build', 'dry-run', 'tag', 'prepare', 'shift-50', 'smoke', 'analyse-50']);
  assert.equal((await infraOf(repo)).stable, v1);
  const { entries } = await readJournal(statePaths(ctx.paths.root).journal(result.deploymentId!));
  assert.ok(entries.some((e) => e.event === 'gate.checked'));
});

test('a --version that exists for another commit is refused with exit 2 before the lock is taken or a journal written', async (t) => {
  const { repo, run } = await setup(t);
  const first = await run('staging', { version: 'r1' });
  assert.equal(first.result.outcome, 'succeeded', first.result.reason);
  const commit = await repo.commit('another commit');
  await assert.rejects(run('staging', { version: 'r1' }), (error: Error & { exitCode?: number }) => {
    assert.equal(error.exitCode, 2);
    assert.match(
      error.message,
      new RegExp(
        `--version r1 already exists for commit ${first.result.release.commit!.slice(0, 12)}, not ${commit.slice(0, 12)}`,
      ),
    );
    return true;
  });
  const ctx = first.ctx;
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  const journals = (await readdir(join(ctx.paths.root, 'deployments'))).filter((f) => f.endsWith('.jsonl'));
  assert.equal(journals.length, 1, journals.join(', '));
});

test('rollback --to a release pruned from disk builds it again from its tag: its own start command, same digest, traffic on it', async (t) => {
  const { repo, run } = await setup(t);
  const first = (await run('staging', { version: 'r1' })).result;
  // r2 changes the start command: the rebuilt r1 must still start as r1 did. (Separate processes from here on: a
  // process loads pilot.config.ts once.)
  const configFile = join(repo.root, 'pilot.config.ts');
  await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('"server.mjs"', '"server.mjs", "--r2"'));
  await repo.commit('r2');
  const standIn = join(FIXTURES, 'pilot-stand-in.ts');
  const r2 = await runScript(standIn, ['--version', 'r2', '--yes'], repo.root);
  assert.equal(r2.code, 0, r2.all);
  const releases = join(repo.root, '.pilot', 'releases');
  assert.deepEqual(JSON.parse(await readFile(join(releases, 'r2', 'manifest.json'), 'utf8')).start, [
    'node',
    'server.mjs',
    '--r2',
  ]);
  // Pruned as pruneReleases does it: the manifest is kept aside, the folder and archive go.
  await mkdir(join(releases, '.pruned'), { recursive: true });
  await rename(join(releases, 'r1', 'manifest.json'), prunedManifest(releases, 'r1'));
  await rm(join(releases, 'r1'), { recursive: true });
  await rm(join(releases, 'r1.tar.gz'));
  const back = await runScript(standIn, ['--to', 'r1', '--json'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(back.code, 0, back.all);
  assert.equal(JSON.parse(back.stdout).to, 'r1');
  assert.equal((await infraOf(repo)).stable, 'r1');
  const rebuilt = JSON.parse(await readFile(join(releases, 'r1', 'manifest.json'), 'utf8'));
  assert.equal(rebuilt.commit, first.release.commit);
  assert.equal(rebuilt.digest, first.release.digest);
  assert.deepEqual(rebuilt.start, ['node', 'server.mjs']);
});

test('a failing build leaves the deployment failed (not interrupted), the lock free, and no build or stage folder behind', async (t) => {
  const { run } = await setup(t, {
    serviceConfig: { build: ['node', '-e', "console.error('tsc: 3 errors'); process.exit(2)"] },
  });
  const { ctx, result } = await run();
  assert.equal(result.outcome, 'failed');
  assert.equal(result.exitCode, 1);
  assert.match(result.reason ?? '', /release build failed at "node -e .*" \(exit 2\)[\s\S]*tsc: 3 errors/);
  assert.equal((await readLock(ctx.lockOptions)).held, false);
  const { entries } = await readJournal(statePaths(ctx.paths.root).journal(result.deploymentId!));
  assert.equal(entries.at(-1)?.event, 'deployment.failed');
  assert.deepEqual(await readdir(ctx.paths.releases).catch(() => []), []);
  assert.equal(existsSync(join(tmpdir(), `pilot-build-${result.release.commit}`)), false);
  assert.equal(existsSync(join(tmpdir(), `pilot-build-${result.release.commit}.lock`)), false);
});
