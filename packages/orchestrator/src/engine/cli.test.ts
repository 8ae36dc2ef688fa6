import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, makeRepo, type RepoOptions, runScript, scriptArgv } from '../testing/repo.ts';

// The real scripts/pilot.ts and scripts/rollback.ts, run with the stand-in analysis (see fixtures/pilot-stand-in.ts).
const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const pilot = (cwd: string, args: string[], env: Record<string, string> = {}) => runScript(PILOT, args, cwd, env);

async function repoWith(t: { after(fn: () => Promise<void>): void }, options?: RepoOptions) {
  const repo = await makeRepo(options);
  t.after(() => repo.cleanup());
  return repo;
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    // git's own files (index stat cache, logs) are not ours to compare; refs are compared separately.
    if (path === join(dir, '.git') || path.startsWith(`${join(dir, '.git')}/`)) continue;
    const s = await stat(path);
    out.push(`${path.slice(dir.length)} ${s.isFile() ? s.size : 'dir'} ${s.mtimeMs}`);
  }
  return out.sort();
}

const refs = async (cwd: string) =>
  (await shell({ cwd })`git for-each-ref ${'--format=%(refname) %(objectname)'}`).stdout;

test('--dry-run prints the plan with exact commands and changes nothing (file tree and git refs compared)', async (t) => {
  const repo = await repoWith(t);
  const first = await pilot(repo.root, ['--yes']);
  assert.equal(first.code, 0, first.all);
  await repo.commit('v2');
  const before = {
    tree: await tree(repo.root),
    refs: await refs(repo.root),
    infra: await readFile(repo.infraState, 'utf8'),
  };
  const dry = await pilot(repo.root, ['--dry-run']);
  assert.equal(dry.code, 0, dry.all);
  assert.match(dry.stdout, /Dry run: canary deployment of v2-/);
  assert.match(dry.stdout, /\$ git tag -a svc-staging-v2-/);
  assert.match(dry.stdout, /\$ node .*infra\.mjs .* shift v2-\S+ 50/);
  assert.match(dry.stdout, /validated by the dry-run command/);
  const viaScript = await runScript(PILOT, ['--json'], repo.root, {
    PILOT_SCRIPT: join(FIXTURES, '..', '..', '..', '..', '..', 'scripts', 'deploy-dryrun.ts'),
  });
  assert.equal(viaScript.code, 0, viaScript.all);
  assert.equal(JSON.parse(viaScript.stdout).dryRun, true);
  assert.deepEqual(
    { tree: await tree(repo.root), refs: await refs(repo.root), infra: await readFile(repo.infraState, 'utf8') },
    before,
  );
});

test('the tag is pushed to the configured remote (a local bare repository)', async (t) => {
  const repo = await repoWith(t);
  const bare = `${repo.infraState}.remote.git`;
  await shell()`git init -q --bare ${bare}`;
  const config = await readFile(join(repo.root, 'pilot.config.ts'), 'utf8');
  await writeFile(
    join(repo.root, 'pilot.config.ts'),
    config.replace('"checks"', `"git": { "remote": ${JSON.stringify(bare)} },\n  "checks"`),
  );
  await shell({ cwd: repo.root })`git commit -qam remote`;
  const r = await pilot(repo.root, ['--json']);
  assert.equal(r.code, 0, r.all);
  const version = JSON.parse(r.stdout).release.version;
  const remoteTags = (await shell()`git ls-remote --tags ${bare}`).stdout;
  assert.match(remoteTags, new RegExp(`refs/tags/svc-staging-${version}`));
});

test('preflight: a dirty work tree and a failing stand-in `gh auth status` refuse with exit 3 and say what to fix', async (t) => {
  const repo = await repoWith(t);
  const config = await readFile(join(repo.root, 'pilot.config.ts'), 'utf8');
  await writeFile(
    join(repo.root, 'pilot.config.ts'),
    config.replace('"checks"', '"git": { "github": true },\n  "checks"'),
  );
  await shell({ cwd: repo.root })`git commit -qam github`;
  const bin = `${repo.infraState}.bin`;
  await mkdir(bin);
  // A stand-in `gh` (named as such): logged out unless GH_STANDIN_AUTH=ok.
  await writeFile(
    join(bin, 'gh'),
    '#!/bin/sh\n# stand-in gh for tests\nif [ "$1" = "--version" ]; then echo "gh version 0.0.0 (stand-in)"; exit 0; fi\nif [ "$1 $2" = "auth status" ]; then [ "$GH_STANDIN_AUTH" = ok ] && exit 0; echo "You are not logged into any GitHub hosts" >&2; exit 1; fi\nexit 2\n',
  );
  await chmod(join(bin, 'gh'), 0o755);
  await writeFile(join(repo.root, 'svc', 'uncommitted.txt'), 'x');
  const PATH = `${bin}:${process.env.PATH}`;
  const refused = await pilot(repo.root, [], { PATH });
  assert.equal(refused.code, 3, refused.all);
  assert.match(refused.stderr, /clean work tree: uncommitted changes: svc\/uncommitted\.txt — commit or stash them/);
  assert.match(
    refused.stderr,
    /gh auth: gh auth status failed: You are not logged into any GitHub hosts — run `gh auth login`/,
  );
  await shell({ cwd: repo.root })`git add -A`;
  await shell({ cwd: repo.root })`git commit -qm clean`;
  const ok = await pilot(repo.root, [], { PATH, GH_STANDIN_AUTH: 'ok' });
  assert.equal(ok.code, 0, ok.all);
  const noGh = await pilot(repo.root, ['--dry-run'], { PATH: '/usr/bin:/bin' });
  assert.equal(noGh.code, 3, noGh.all);
  assert.match(noGh.stderr, /tool gh: gh not found on PATH — install the GitHub CLI/);
});

test('SIGINT during the canary: rolled back to stable, unvalidated tag deleted, journal "aborted", lock free, exit 130', async (t) => {
  const repo = await repoWith(t, {
    strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '30s', interval: '500ms' },
  });
  assert.equal((await pilot(repo.root, [])).code, 0);
  const v1 = JSON.parse(await readFile(repo.infraState, 'utf8')).stable;
  await repo.commit('v2');
  const child = shell({
    cwd: repo.root,
    nothrow: true,
    env: { NO_COLOR: '1' },
  })`${process.execPath} ${await scriptArgv(PILOT)} --json`;
  // Wait (up to 60 s on a loaded machine) until the canary is shifting: a SIGINT before pilot is up would just kill it.
  let shifted = false;
  for (let i = 0; i < 1200 && !shifted; i++) {
    shifted = (await readFile(`${repo.infraState}.log`, 'utf8')).includes('"shift"');
    if (!shifted) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(shifted, 'the canary never started shifting');
  await new Promise((r) => setTimeout(r, 300));
  // To pilot alone (as execa's kill did), not to the release processes it started.
  process.kill(child.pid!, 'SIGINT');
  const r = await child;
  assert.equal(r.exitCode, 130, String(r.stderr));
  const infra = JSON.parse(await readFile(repo.infraState, 'utf8'));
  assert.equal(infra.stable, v1);
  assert.equal(infra.candidate, null);
  assert.equal((await shell({ cwd: repo.root })`git tag -l ${'svc-staging-v2-*'}`).stdout, '');
  const status = await pilot(repo.root, ['status', '--json']);
  const [staging] = JSON.parse(status.stdout);
  assert.equal(staging.lock.held, false);
  assert.equal(staging.recent[0].status, 'aborted');
});

test('status, logs, approve and resume from the command line: human and JSON output, exit codes', async (t) => {
  const repo = await repoWith(t, {
    strategy: {
      kind: 'canary',
      steps: [20, { pause: true, reason: 'look at the dashboard' }, 100],
      analysisWindow: '300ms',
      interval: '100ms',
    },
  });
  assert.equal((await pilot(repo.root, [])).code, 0);
  const nothing = await pilot(repo.root, ['resume']);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /no paused or interrupted deployment on staging to resume/);
  await repo.commit('v2');
  const paused = await pilot(repo.root, []);
  assert.equal(paused.code, 4, paused.all);
  assert.match(paused.stdout, /paused at pause-2: look at the dashboard/);
  const refused = await pilot(repo.root, []);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /paused — promote, resume or abort it/);
  const status = await pilot(repo.root, ['status']);
  assert.equal(status.code, 0, status.all);
  assert.match(status.stdout, /staging: live v1-\S+ .* is paused/);
  assert.match(status.stdout, /next: `pnpm pilot promote --env staging` continues/);
  const approve = await pilot(repo.root, ['approve', '--env', 'staging', '--release', 'v2-abc', '--note', 'ok']);
  assert.equal(approve.code, 0, approve.all);
  assert.match(approve.stdout, /approved v2-abc for staging as Tester <tester@example.com>/);
  const bad = await pilot(repo.root, ['approve', '--env', 'staging', '--release', 'v2 abc']);
  assert.equal(bad.code, 2);
  const resumed = await pilot(repo.root, ['resume', '--json']);
  assert.equal(resumed.code, 0, resumed.all);
  assert.equal(JSON.parse(resumed.stdout).outcome, 'succeeded');
  const logs = await pilot(repo.root, ['logs']);
  assert.match(logs.stdout, /deployment\.paused pause-2 — look at the dashboard/);
  assert.match(logs.stdout, /deployment\.resumed/);
  assert.match(logs.stdout, /deployment\.succeeded/);
});
