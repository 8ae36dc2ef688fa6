import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../testing/temp-dir.ts';
import { onPath } from './on-path.ts';

test('onPath finds an executable in the PATH given, and nothing that is absent or not executable', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'pilot-tool'), '#!/bin/sh\necho hi\n');
  await writeFile(join(dir, 'not-executable'), 'data\n');
  assert.equal(onPath('pilot-tool', { PATH: dir }), undefined, 'not executable yet');
  await chmod(join(dir, 'pilot-tool'), 0o755);
  assert.equal(onPath('pilot-tool', { PATH: `/nonexistent:${dir}` }), join(dir, 'pilot-tool'));
  assert.equal(onPath('not-executable', { PATH: dir }), undefined);
  assert.equal(onPath('pilot-tool', { PATH: '' }), undefined);
  assert.equal(onPath('pilot-no-such-program-here'), undefined);
});
