import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
