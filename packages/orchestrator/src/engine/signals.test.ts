import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, makeRepo, runScript, scriptArgv } from '../testing/repo.ts';

// The real scripts/pilot.ts with the stand-in analysis (see fixtures/pilot-stand-in.ts).
const PILOT = join(FIXTURES, 'pilot-stand-in.ts');

async function canaryShifting(infraState: string): Promise<void> {
  // Up to 60 s on a loaded machine: a signal before pilot is up would just kill it.
  for (let i = 0; i < 1200; i++) {
    if ((await readFile(`${infraState}.log`, 'utf8').catch(() => '')).includes('"shift"')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('the canary never started shifting');
}

async function journalEvents(root: string, id: string): Promise<string[]> {
  return (await readFile(join(root, '.pilot', 'deployments', `${id}.jsonl`), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).event);
}

test('SIGHUP during the canary (a dropped SSH session): rolled back to stable, journal "aborted", lock free, exit 130', async (t) => {
  const repo = await makeRepo({
    strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '30s', interval: '500ms' },
  });
  t.after(() => repo.cleanup());
  assert.equal((await runScript(PILOT, [], repo.root)).code, 0);
  const v1 = JSON.parse(await readFile(repo.infraState, 'utf8')).stable;
  await repo.commit('v2');
  const child = shell({
    cwd: repo.root,
    nothrow: true,
    env: { NO_COLOR: '1' },
  })`${process.execPath} ${await scriptArgv(PILOT)} --json`;
  await canaryShifting(repo.infraState);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(child.pid!, 'SIGHUP');
  const r = await child;
  assert.equal(r.exitCode, 130, String(r.stderr));
  assert.match(String(r.stderr), /received SIGHUP, cleaning up/);
  const infra = JSON.parse(await readFile(repo.infraState, 'utf8'));
  assert.deepEqual([infra.stable, infra.candidate], [v1, null]);
  const [staging] = JSON.parse((await runScript(PILOT, ['status', '--json'], repo.root)).stdout);
  assert.equal(staging.lock.held, false);
  assert.equal(staging.recent[0].status, 'aborted');
});

test('PILOT_ON_HANGUP=detach: SIGHUP during the canary is journalled and the deployment carries on to 100% (exit 0)', async (t) => {
  const repo = await makeRepo({
    strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '3s', interval: '500ms' },
  });
  t.after(() => repo.cleanup());
  assert.equal((await runScript(PILOT, [], repo.root)).code, 0);
  await repo.commit('v2');
  const child = shell({
    cwd: repo.root,
    nothrow: true,
    env: { NO_COLOR: '1', PILOT_ON_HANGUP: 'detach' },
  })`${process.execPath} ${await scriptArgv(PILOT)} --json`;
  await canaryShifting(repo.infraState);
  process.kill(child.pid!, 'SIGHUP');
  const r = await child;
  assert.equal(r.exitCode, 0, String(r.stderr));
  assert.match(String(r.stderr), /terminal hung up \(SIGHUP\): carrying on in the background/);
  const out = JSON.parse(String(r.stdout));
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, out.release.version);
  const events = await journalEvents(repo.root, out.deploymentId);
  assert.ok(events.includes('deployment.detached'), events.join(', '));
  assert.equal(events.at(-1), 'deployment.succeeded');
});

test('PILOT_ON_HANGUP with another value is exit 2 naming the variable and the choices, before anything runs', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const r = await runScript(PILOT, ['--dry-run'], repo.root, { PILOT_ON_HANGUP: 'ignore' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /PILOT_ON_HANGUP="ignore" is not abort or detach/);
});
