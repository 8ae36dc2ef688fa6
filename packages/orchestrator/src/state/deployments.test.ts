import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { statePaths } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { listDeploymentIds } from './deployments.ts';

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
