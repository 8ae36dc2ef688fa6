import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pilot/core/testing';
import { restoreBackup } from './restore.ts';
import { craftBackup } from './testing/craft.ts';

async function attempt(
  t: Parameters<typeof tempDir>[0],
  entries: Parameters<typeof craftBackup>[2],
  limits: { maxRatio?: number; maxBytes?: number } = {},
) {
  const dir = await tempDir(t);
  const box = join(dir, 'box');
  await mkdir(box);
  const archive = await craftBackup(dir, 'evil', entries);
  const to = join(box, 'restore-here');
  const error = await restoreBackup({ archive, to, ...limits }).then(
    () => undefined,
    (e: Error) => e,
  );
  // Nothing outside --to: the sandbox folder holds no new files, and no temp folder is left.
  const left = await readdir(box);
  const outside = await readdir(dir);
  return { error, left, outside };
}

const file = (name: string, text = 'x') => ({ name, typeflag: '0', data: Buffer.from(text) });

test('refuses absolute paths', async (t) => {
  const r = await attempt(t, [file('/tmp/pilot-evil-absolute')]);
  assert.match(r.error!.message, /refusing entry "\/tmp\/pilot-evil-absolute": absolute or outside/);
  assert.deepEqual(r.left, []);
});

test('refuses ../ escapes', async (t) => {
  const r = await attempt(t, [file('ok.txt'), file('a/../../escaped.txt')]);
  assert.match(r.error!.message, /refusing entry "a\/\.\.\/\.\.\/escaped\.txt"/);
  assert.deepEqual(r.left, []);
  assert.ok(!r.outside.includes('escaped.txt'));
});

test('refuses a symlink pointing outside, and writing through an archive symlink', async (t) => {
  const out = await attempt(t, [{ name: 'link', typeflag: '2', linkname: '../../etc' }]);
  assert.match(out.error!.message, /refusing symlink "link" → "\.\.\/\.\.\/etc": it points outside/);
  const abs = await attempt(t, [{ name: 'link', typeflag: '2', linkname: '/etc' }]);
  assert.match(abs.error!.message, /points outside/);
  const through = await attempt(t, [{ name: 'dir', typeflag: '2', linkname: 'sub' }, file('dir/file.txt')]);
  assert.match(through.error!.message, /goes through the symlink dir/);
  assert.deepEqual(through.left, []);
});

test('refuses a hardlink to anything but a file restored from the archive', async (t) => {
  const r = await attempt(t, [{ name: 'hard', typeflag: '1', linkname: '/etc/passwd' }]);
  assert.match(r.error!.message, /refusing hardlink target of hard "\/etc\/passwd"/);
  const rel = await attempt(t, [{ name: 'hard', typeflag: '1', linkname: '../outside' }]);
  assert.match(rel.error!.message, /refusing hardlink target/);
});

test('refuses devices and FIFOs', async (t) => {
  for (const typeflag of ['3', '4', '6']) {
    const r = await attempt(t, [{ name: `node${typeflag}`, typeflag }]);
    assert.match(r.error!.message, new RegExp(`type "${typeflag}" \\(device, FIFO or unknown\\) is never restored`));
  }
});

test('stops a decompression bomb by ratio and by total size', async (t) => {
  const bomb = [{ name: 'zeros', typeflag: '0', data: Buffer.alloc(64 * 2 ** 20) }];
  const r = await attempt(t, bomb);
  assert.match(r.error!.message, /expands more than 200× \(limit maxRatio\)/);
  assert.deepEqual(r.left, []);
  const small = await attempt(t, [file('a', 'x'.repeat(5000))], { maxBytes: 1000 });
  assert.match(small.error!.message, /more than 1000 bytes \(limit maxBytes\)/);
});

test('a benign crafted archive restores (the checks are not refusing everything)', async (t) => {
  const dir = await tempDir(t);
  const archive = await craftBackup(dir, 'fine', [
    { name: 'd', typeflag: '5' },
    file('d/a.txt', 'A'),
    { name: 'd/l', typeflag: '2', linkname: 'a.txt' },
    { name: 'd/h', typeflag: '1', linkname: 'd/a.txt' },
  ]);
  await writeFile(join(dir, 'unrelated'), '');
  const restored = await restoreBackup({ archive, to: join(dir, 'out') });
  assert.equal(restored.files, 1);
  assert.deepEqual((await readdir(join(dir, 'out', 'd'))).sort(), ['a.txt', 'h', 'l']);
});
