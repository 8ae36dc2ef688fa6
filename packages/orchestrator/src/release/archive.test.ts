import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { extract } from 'tar';
import { writeReleaseArchive } from './archive.ts';

test('the release archive is reproducible: same tree, different times → same sha256 digest; changed content → different', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'pilot-archive-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const make = async (name: string, text: string) => {
    const dir = join(base, name);
    await mkdir(join(dir, 'dist', 'b'), { recursive: true });
    await writeFile(join(dir, 'dist', 'b', 'z.js'), 'z');
    await writeFile(join(dir, 'dist', 'a.js'), text);
    await utimes(join(dir, 'dist', 'a.js'), new Date(Math.random() * 1e12), new Date(Math.random() * 1e12));
    return dir;
  };
  const one = await writeReleaseArchive(await make('one', 'a'), join(base, 'one.tar.gz'));
  const two = await writeReleaseArchive(await make('two', 'a'), join(base, 'two.tar.gz'));
  const three = await writeReleaseArchive(await make('three', 'A'), join(base, 'three.tar.gz'));
  assert.match(one, /^sha256:[0-9a-f]{64}$/);
  assert.equal(one, two);
  assert.notEqual(one, three);
});

test('hard-linked files (as pnpm links identical files) are archived as copies: the archive completes and has the same digest as a tree of copies', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'pilot-archive-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const make = async (name: string, linked: boolean) => {
    const dir = join(base, name, 'pkg');
    await mkdir(join(dir, 'esm'), { recursive: true });
    await writeFile(join(dir, 'index.js'), 'module.exports = 1;\n');
    if (linked) await link(join(dir, 'index.js'), join(dir, 'esm', 'index.js'));
    else await writeFile(join(dir, 'esm', 'index.js'), 'module.exports = 1;\n');
    return join(base, name);
  };
  const linked = await writeReleaseArchive(await make('linked', true), join(base, 'linked.tar.gz'));
  const copied = await writeReleaseArchive(await make('copied', false), join(base, 'copied.tar.gz'));
  assert.equal(linked, copied);
  const out = join(base, 'out');
  await mkdir(out);
  const types: string[] = [];
  await extract({
    file: join(base, 'linked.tar.gz'),
    cwd: out,
    onReadEntry: (entry) => void types.push(`${entry.path} ${entry.type}`),
  });
  assert.deepEqual(types, ['pkg/ Directory', 'pkg/esm/ Directory', 'pkg/esm/index.js File', 'pkg/index.js File']);
  assert.equal(await readFile(join(out, 'pkg', 'esm', 'index.js'), 'utf8'), 'module.exports = 1;\n');
});
