import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from '../compile/cache.ts';
import type { RefusedError } from '../errors.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { acquireLock, forceReleaseLock, readLock, releaseLock, setActor, takeOverLock } from './lock.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));

async function lockFiles(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  return { path: join(dir, 'locks', 'staging.lock'), auditPath: join(dir, 'audit.jsonl') };
}

async function startHolder(options: { path: string; auditPath: string }, deploymentId: string) {
  const child = spawn(
    process.execPath,
    [await compiledEntry(HOLDER, 'test-lock-holder'), options.path, options.auditPath, 'staging', deploymentId],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  return child;
}

test('a second deployment is refused (exit 3) with the holder named while the holder runs', async (t) => {
  const options = await lockFiles(t);
  const holder = await startHolder(options, 'dep-A');
  t.after(() => holder.kill('SIGKILL'));
  const status = await readLock(options);
  assert.equal(status.state, 'active');
  assert.equal(status.record?.actor?.pid, holder.pid);
  await assert.rejects(acquireLock(options, 'staging', 'dep-B'), (error: RefusedError) => {
    assert.equal(error.exitCode, 3);
    assert.match(error.message, new RegExp(`locked by deployment dep-A \\(pid ${holder.pid} on `));
    return true;
  });
});

test('a holder killed with SIGKILL is reported as interrupted, and only an explicit takeover moves the lock (audited)', async (t) => {
  const options = await lockFiles(t);
  const holder = await startHolder(options, 'dep-A');
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  assert.equal((await readLock(options)).state, 'interrupted');
  await assert.rejects(
    acquireLock(options, 'staging', 'dep-B'),
    /deployment dep-A on environment staging was interrupted .* `pnpm pilot resume --env staging` continues it/,
  );
  // The same deployment may be resumed by a new process.
  const resumed = await acquireLock(options, 'staging', 'dep-A');
  assert.equal(resumed.actor?.pid, process.pid);
  // Take over explicitly for another deployment after the actor dies again.
  await setActor(options, resumed, { ...resumed.actor!, pid: 999_999_9 });
  const taken = await takeOverLock(options, 'dep-C', 'operator takes over');
  assert.equal(taken.deploymentId, 'dep-C');
  const audit = (await readFile(options.auditPath, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(audit.at(-1).event, 'lock.taken_over');
  assert.equal(audit.at(-1).previous.deploymentId, 'dep-A');
});

test('a paused deployment keeps the lock with no process; refusal says promote, resume or abort', async (t) => {
  const options = await lockFiles(t);
  const record = await acquireLock(options, 'staging', 'dep-P');
  await setActor(options, record, null);
  assert.equal((await readLock(options)).state, 'detached');
  await assert.rejects(
    acquireLock(options, 'staging', 'dep-Q'),
    /deployment dep-P holds environment staging and is paused — promote, resume or abort it/,
  );
  assert.equal(await releaseLock(options, 'dep-Q'), false, 'another deployment cannot release it');
  assert.equal(await releaseLock(options, 'dep-P'), true);
  assert.equal((await readLock(options)).held, false);
});

test('force release refuses a live holder and audits the release of a dead one', async (t) => {
  const options = await lockFiles(t);
  const holder = await startHolder(options, 'dep-A');
  await assert.rejects(forceReleaseLock(options, 'test'), /its process is alive/);
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  const previous = await forceReleaseLock(options, 'stale after crash');
  assert.equal(previous?.deploymentId, 'dep-A');
  assert.equal((await readLock(options)).held, false);
  assert.match(
    await readFile(options.auditPath, 'utf8'),
    /"event":"lock.force_released".*"reason":"stale after crash"/,
  );
});

test('two processes racing for a free lock: exactly one wins', async (t) => {
  const options = await lockFiles(t);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => acquireLock(options, 'staging', `dep-${i}`)),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
});
