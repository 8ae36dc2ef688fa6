import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { openEnv, readLock } from '@pilot/core';
import { memoryLogger, makeRepo } from '../testing/repo.ts';
import { standInAnalysis } from '../testing/probe-analysis.ts';
import { deploy } from './deploy.ts';

test('canary over the command target: builds, tags, shifts, promotes, records last-known-good, frees the lock', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const { log } = memoryLogger();
  const ctx = await openEnv(repo.root, 'staging', log);
  const result = await deploy({ ctx, log, signal: new AbortController().signal, analysis: standInAnalysis() });
  assert.equal(result.outcome, 'succeeded', JSON.stringify(result));
  const infra = JSON.parse(await readFile(repo.infraState, 'utf8'));
  assert.equal(infra.stable, result.release.version);
  assert.equal((await readLock(ctx.lockOptions)).held, false);
});
