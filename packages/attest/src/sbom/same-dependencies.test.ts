import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger, shell } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { assertSameDependencies } from './same-dependencies.ts';

const log = new Logger({ stream: { write: () => true } as unknown as NodeJS.WritableStream });

test('the SBOM is refused when the tree’s dependency manifests are not those of the release’s commit', async (t) => {
  const root = await tempDir(t);
  const git = (...args: string[]) => shell({ cwd: root })`git -c user.name=t -c user.email=t@localhost ${args}`;
  await git('init', '-q');
  await writeFile(join(root, 'package.json'), '{"dependencies":{"zod":"^4.0.0"}}\n');
  await writeFile(join(root, 'README.md'), 'v1\n');
  await git('add', '-A');
  await git('commit', '-qm', 'v1');
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
  await writeFile(join(root, 'README.md'), 'edited, not a dependency\n');
  await assertSameDependencies(root, commit, log);
  await writeFile(join(root, 'package.json'), '{"dependencies":{"zod":"^4.1.0"}}\n');
  await assert.rejects(assertSameDependencies(root, commit, log), /differ from the release's commit .* check out/);
});
