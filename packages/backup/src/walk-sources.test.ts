import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { computeEtag } from '@pilot/etag';
import { createBackup } from './create.ts';
import { walkSources } from './walk-sources.ts';

// Names whose order differs between "folder, then its contents" and plain path-byte order (`a` < `a-c` < `a.d` < `a/b`),
// and between UTF-16 and UTF-8 order (U+FF21 sorts before U+1F600 in bytes, after it in UTF-16 code units).
async function trickyTree(dir: string) {
  for (const folder of ['src/a/x', 'src/a-c', 'src/.git', 'src/ab/.git', 'other/é'])
    await mkdir(join(dir, folder), { recursive: true });
  for (const file of [
    'src/a/b',
    'src/a/x/y',
    'src/a-c/z',
    'src/a.d',
    'src/ab/f',
    'src/.git/HEAD',
    'src/ab/.git/config',
    'src/Z',
    'other/é/ü.txt',
    'other/e.txt',
    'other/\uff21.txt',
    'other/\u{1f600}.txt',
  ])
    await writeFile(join(dir, file), file);
  await symlink('a/b', join(dir, 'src/a-link'));
}

test('the walk yields every entry once, in path-byte order, with overlapping sources merged', async (t) => {
  const dir = await tempDir(t);
  await trickyTree(dir);
  const paths = [...walkSources(dir, ['src', 'other', 'src/a', 'src/a.d'])].map((e) => e.path);
  const sorted = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(paths, sorted);
  assert.equal(new Set(paths).size, paths.length, 'no path twice');
  assert.equal(paths.length, 22);
  assert.deepEqual(paths.slice(paths.indexOf('src/a'), paths.indexOf('src/a/b') + 1), [
    'src/a',
    'src/a-c',
    'src/a-c/z',
    'src/a-link',
    'src/a.d',
    'src/a/b',
  ]);
});

test('the archive holds the walk’s order and its e-tag, hashed entry by entry, equals generate-etag’s', async (t) => {
  const dir = await tempDir(t);
  await trickyTree(dir);
  const backup = await createBackup({ root: dir, paths: ['src', 'other', 'src/a'], out: join(dir, 'out'), name: 'x' });
  const listed = await shell({ nothrow: true })`tar -tzf ${backup.path}`;
  assert.equal(listed.exitCode, 0, listed.stderr);
  const names = listed.stdout
    .trim()
    .split('\n')
    .map((n) => n.replace(/\/$/, ''));
  assert.deepEqual(
    names,
    [...walkSources(dir, ['src', 'other', 'src/a'])].map((e) => e.path),
  );
  assert.equal(backup.meta.etag, (await computeEtag(['src', 'other', 'src/a'], { cwd: dir, gitignore: false })).etag);
});

test('an excluded folder (the backup folder inside the sources) is left out with everything in it', async (t) => {
  const dir = await tempDir(t);
  await trickyTree(dir);
  const paths = [...walkSources(dir, ['.'], [join(dir, 'src', 'a')])].map((e) => e.path);
  assert.ok(paths.includes('src/a-c/z') && paths.includes('src/a.d'));
  assert.deepEqual(
    paths.filter((p) => p === 'src/a' || p.startsWith('src/a/')),
    [],
  );
  assert.deepEqual([...walkSources(dir, ['src/a'], [join(dir, 'src')])], []);
});
