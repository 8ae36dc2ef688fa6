import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeEtag } from './compute-etag.ts';

async function tempDir(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-etag-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

type Spec = Record<string, string | { content: string; exec?: boolean } | { link: string }>;

async function build(dir: string, spec: Spec, order: string[] = Object.keys(spec)): Promise<void> {
  for (const name of order) {
    const value = spec[name];
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    if (typeof value === 'string') await writeFile(path, value);
    else if ('link' in value) await symlink(value.link, path);
    else {
      await writeFile(path, value.content);
      await chmod(path, value.exec ? 0o755 : 0o644);
    }
  }
}

const base: Spec = {
  'a.txt': 'alpha\n',
  'bin/run.sh': { content: '#!/bin/sh\necho hi\n', exec: true },
  'src/index.ts': 'export {};\n',
  'src/deep/x.json': '{"x":1}\n',
  'link-to-a': { link: 'a.txt' },
  'empty.txt': '',
};

const tag = async (dir: string, options = {}) =>
  (await computeEtag(['.'], { cwd: dir, gitignore: false, ...options })).etag;

test('same content built in different orders, with different mtimes and modes other than exec, gives one tag', async (t) => {
  const one = await tempDir(t);
  const two = await tempDir(t);
  await build(one, base);
  await build(two, base, Object.keys(base).reverse());
  await utimes(join(two, 'a.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
  await chmod(join(two, 'src/index.ts'), 0o600);
  const first = await computeEtag(['.'], { cwd: one, gitignore: false });
  assert.match(first.etag, /^"sha256-[0-9a-f]{64}"$/);
  assert.equal(first.files, 6);
  assert.equal(first.bytes, Buffer.byteLength('alpha\n#!/bin/sh\necho hi\nexport {};\n{"x":1}\n'));
  assert.equal(await tag(two), first.etag);
});

test('the tag is independent of where the folder lives and of the worker count', async (t) => {
  const dir = await tempDir(t);
  await build(join(dir, 'here'), base);
  const expected = await tag(join(dir, 'here'));
  await rename(join(dir, 'here'), join(dir, 'there'));
  assert.equal(await tag(join(dir, 'there')), expected);
  assert.equal(await tag(join(dir, 'there'), { workers: 0 }), expected);
  assert.equal(await tag(join(dir, 'there'), { workers: 2 }), expected);
  // A symlink as the root (a `current` release link) tags the folder it points to.
  await symlink('there', join(dir, 'current'));
  assert.equal(await tag(join(dir, 'current')), expected);
});

test('the encoding is pinned: a known tree gives a tag computed from the documented records', async (t) => {
  const dir = await tempDir(t);
  await build(dir, { 'b.txt': 'b', 'a.sh': { content: 'a', exec: true }, l: { link: 'b.txt' } });
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const records = [
    `file\x001\x00a.sh\x00${sha('a')}\x00`,
    `file\x000\x00b.txt\x00${sha('b')}\x00`,
    'symlink\x000\x00l\x00b.txt\x00',
  ];
  const expected = `"sha256-${sha(`pilot-etag/1\x00${records.join('')}`)}"`;
  assert.equal(await tag(dir), expected);
});

test('each kind of change gives a new tag', async (t) => {
  const changes: Record<string, (dir: string) => Promise<void>> = {
    'content of a file': (dir) => writeFile(join(dir, 'src/index.ts'), 'export {}; \n'),
    'one byte appended to an empty file': (dir) => writeFile(join(dir, 'empty.txt'), '\n'),
    'a file renamed': (dir) => rename(join(dir, 'a.txt'), join(dir, 'b.txt')),
    'a file moved to another folder': (dir) => rename(join(dir, 'src/deep/x.json'), join(dir, 'src/x.json')),
    'exec bit set': (dir) => chmod(join(dir, 'a.txt'), 0o755),
    'exec bit cleared': (dir) => chmod(join(dir, 'bin/run.sh'), 0o644),
    'symlink target': async (dir) => {
      await rm(join(dir, 'link-to-a'));
      await symlink('src/index.ts', join(dir, 'link-to-a'));
    },
    'symlink replaced by a file with the target as content': async (dir) => {
      await rm(join(dir, 'link-to-a'));
      await writeFile(join(dir, 'link-to-a'), 'a.txt');
    },
    'a file added': (dir) => writeFile(join(dir, 'new.txt'), ''),
    'a file deleted': (dir) => rm(join(dir, 'empty.txt')),
  };
  const reference = await tempDir(t);
  await build(reference, base);
  const original = await tag(reference);
  const seen = new Set([original]);
  for (const [name, change] of Object.entries(changes)) {
    const dir = await tempDir(t);
    await build(dir, base);
    await change(dir);
    const changed = await tag(dir);
    assert.notEqual(changed, original, `${name} must change the tag`);
    assert.ok(!seen.has(changed), `${name} gave the same tag as another change`);
    seen.add(changed);
  }
});

test('names that would collide under a naive encoding give different tags', async (t) => {
  const one = await tempDir(t);
  const two = await tempDir(t);
  // "a b" + "c" vs "a" + "b c": joined with spaces both read "a b c".
  await build(one, { 'a b': 'c' });
  await build(two, { a: 'b c' });
  assert.notEqual(await tag(one), await tag(two));
});

test('.gitignore files (nested, with negation) and config patterns are obeyed; .git is never read', async (t) => {
  const dir = await tempDir(t);
  await build(dir, { 'keep.txt': 'k', '.gitignore': 'build/\n*.log\n', 'sub/.gitignore': '!important.log\n' });
  const expected = (await computeEtag(['.'], { cwd: dir, ignore: ['node_modules'] })).etag;
  await build(dir, {
    'build/out.js': 'x',
    'debug.log': 'x',
    'node_modules/m/index.js': 'x',
    'sub/deep/node_modules/x.js': 'x',
    '.git/HEAD': 'ref: refs/heads/main\n',
  });
  const after = await computeEtag(['.'], { cwd: dir, ignore: ['node_modules'] });
  assert.equal(after.etag, expected);
  assert.equal(after.files, 3);
  await build(dir, { 'sub/important.log': 'x' });
  assert.notEqual(
    (await computeEtag(['.'], { cwd: dir, ignore: ['node_modules'] })).etag,
    expected,
    'the nested !pattern re-includes sub/important.log',
  );
  await build(dir, { 'sub/.gitignore': '!important.log\n!node_modules/\n' });
  const reincluded = await computeEtag(['.'], { cwd: dir, ignore: ['node_modules'], manifest: true });
  assert.ok(
    !reincluded.entries?.some((e) => e.path.includes('node_modules')),
    'a .gitignore cannot re-include a config pattern',
  );
});

test('a .gitignore above the tagged folder (up to the git top) applies to it', async (t) => {
  const dir = await tempDir(t);
  await build(dir, { '.git/HEAD': 'x', '.gitignore': '.turbo/\n', 'pkg/src/a.ts': 'a' });
  const before = await tag(join(dir, 'pkg'), { gitignore: true });
  await build(dir, { 'pkg/.turbo/turbo-test.log': 'noise' });
  assert.equal(await tag(join(dir, 'pkg'), { gitignore: true }), before);
});

test('many files (worker pool) give the same tag as hashing on one thread, and the manifest lists them sorted', async (t) => {
  const dir = await tempDir(t);
  const spec: Spec = {};
  for (let i = 0; i < 700; i += 1) spec[`d${i % 7}/f${i}.txt`] = `file ${i}\n`.repeat(i % 50);
  spec['big.bin'] = 'x'.repeat(3 * 1024 * 1024 + 7);
  await build(dir, spec);
  const pooled = await computeEtag(['.'], { cwd: dir, gitignore: false, manifest: true });
  const inline = await computeEtag(['.'], { cwd: dir, gitignore: false, workers: 0 });
  assert.equal(pooled.etag, inline.etag);
  assert.equal(pooled.files, 701);
  const paths = pooled.entries!.map((e) => e.path);
  assert.deepEqual(
    paths,
    [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
  );
  assert.equal(
    pooled.entries!.find((e) => e.path === 'big.bin')?.sha256,
    createHash('sha256')
      .update('x'.repeat(3 * 1024 * 1024 + 7))
      .digest('hex'),
  );
});

test('explicit paths are relative to cwd; a path outside it or missing is a usage error (exit 2)', async (t) => {
  const dir = await tempDir(t);
  await build(dir, base);
  const both = await computeEtag(['a.txt', 'src'], { cwd: dir, gitignore: false, manifest: true });
  assert.deepEqual(
    both.entries!.map((e) => e.path),
    ['a.txt', 'src/deep/x.json', 'src/index.ts'],
  );
  const overlapping = await computeEtag(['.', 'src'], { cwd: dir, gitignore: false });
  assert.equal(overlapping.files, 6);
  await assert.rejects(
    computeEtag(['../x'], { cwd: dir }),
    (error: Error & { exitCode?: number }) => error.exitCode === 2 && /outside the root/.test(error.message),
  );
  await assert.rejects(
    computeEtag(['nope'], { cwd: dir }),
    (error: Error & { exitCode?: number }) => error.exitCode === 2 && /does not exist/.test(error.message),
  );
});
