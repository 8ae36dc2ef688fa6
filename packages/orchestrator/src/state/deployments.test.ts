import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { statePaths } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { listDeploymentIds, listDeployments } from './deployments.ts';

test('deployments are listed newest first; two started within one second are ordered by their first entry, not their random suffix', async (t) => {
  const state = await tempDir(t);
  await mkdir(statePaths(state).deployments, { recursive: true });
  const started = {
    'staging-20261129-101500-ffff': '2026-11-29T10:15:00.870Z',
    'staging-20261129-101500-0000': '2026-11-29T10:15:00.120Z',
    'staging-20261129-101459-aaaa': '2026-11-29T10:14:59.990Z',
  };
  for (const [id, ts] of Object.entries(started))
    await writeFile(statePaths(state).journal(id), `${JSON.stringify({ seq: 0, ts, event: 'deployment.started' })}\n`);
  assert.deepEqual(await listDeploymentIds(state), [
    'staging-20261129-101500-ffff',
    'staging-20261129-101500-0000',
    'staging-20261129-101459-aaaa',
  ]);
});

test("an environment's deployments are listed without reading another's journals: a damaged one elsewhere does not stop them", async (t) => {
  const state = await tempDir(t);
  await mkdir(statePaths(state).deployments, { recursive: true });
  const line = (ts: string) => `${JSON.stringify({ seq: 0, ts, event: 'deployment.started', env: 'staging' })}\n`;
  await writeFile(statePaths(state).journal('staging-20261129-101500-0a0a'), line('2026-11-29T10:15:00.000Z'));
  await writeFile(statePaths(state).journal('rb-staging-20261129-101600-0b0b'), line('2026-11-29T10:16:00.000Z'));
  await writeFile(statePaths(state).journal('staging-eu-20261129-101700-0c0c'), '{"seq":0, damaged\n');
  const ids = (await listDeployments(state, 'staging')).map((d) => d.id);
  assert.deepEqual(ids, ['rb-staging-20261129-101600-0b0b', 'staging-20261129-101500-0a0a']);
  await assert.rejects(listDeployments(state, 'staging-eu'), /journal line is not valid JSON/);
});
