import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@pilot/core/testing';
import { computeEtag } from '@pilot/etag';
import { createBackup } from './create.ts';
import { listBackups, pruneBackups } from './list.ts';
import { restoreBackup } from './restore.ts';
import { verifyBackup } from './verify.ts';

const KILL_FIXTURE = fileURLToPath(new URL('./testing/kill-fixture.ts', import.meta.url));

async function tree(dir: string) {
  await mkdir(join(dir, 'src', 'bin'), { recursive: true });
  await writeFile(join(dir, 'src', 'a.txt'), 'hello\n');
  await writeFile(join(dir, 'src', 'bin', 'start.sh'), '#!/bin/sh\necho started\n');
  await chmod(join(dir, 'src', 'bin', 'start.sh'), 0o755);
  await writeFile(
    join(
      dir,
      'src',
      'ünïcode-and-a-very-long-name-that-does-not-fit-the-hundred-bytes-of-a-ustar-header-field-at-all.txt',
    ),
    'long',
  );
  await symlink('a.txt', join(dir, 'src', 'link'));
}

test('the same content gives the same bytes; GNU tar and sha256sum -c --strict accept the result', async (t) => {
  const dir = await tempDir(t);
  await tree(dir);
  const one = await createBackup({ root: dir, paths: ['src'], out: join(dir, 'out1'), name: 'x' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await chmod(join(dir, 'src', 'a.txt'), 0o600); // owner-only mode is normalised to 0644
  const two = await createBackup({ root: dir, paths: ['src'], out: join(dir, 'out2'), name: 'x' });
  assert.equal(one.digest, two.digest);
  assert.deepEqual(await readFile(one.path), await readFile(two.path));
  const check = await shell({
    cwd: join(dir, 'out1'),
    nothrow: true,
  })`sha256sum -c --strict ${`${one.id}.tar.gz.sha256`}`;
  assert.equal(check.exitCode, 0, check.stderr);
  const list = await shell({ nothrow: true })`tar -tvzf ${one.path}`;
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(list.stdout, /-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 src\/bin\/start\.sh/);
  assert.match(list.stdout, /-rw-r--r-- 0\/0 +6 1970-01-01 00:00 src\/a\.txt/);
  assert.match(list.stdout, /src\/ünïcode-and-a-very-long-name/);
  assert.equal(one.meta.files, 3);
  // Hashed in the archive's own pass, the e-tag is the one generate-etag gives the same sources.
  assert.equal(one.meta.etag, (await computeEtag(['src'], { cwd: dir, gitignore: false })).etag);
});

test('restore brings back content, modes and links; what it replaces goes to an emergency backup', async (t) => {
  const dir = await tempDir(t);
  await tree(dir);
  const backup = await createBackup({ root: dir, paths: ['src'], out: join(dir, 'out'), name: 'x' });
  const to = join(dir, 'restored');
  await mkdir(to);
  await writeFile(join(to, 'old.txt'), 'previous data');
  const restored = await restoreBackup({ archive: backup.path, to });
  assert.equal(await readFile(join(to, 'src', 'a.txt'), 'utf8'), 'hello\n');
  assert.equal((await stat(join(to, 'src', 'bin', 'start.sh'))).mode & 0o777, 0o755);
  assert.equal((await shell()`${join(to, 'src', 'bin', 'start.sh')}`).stdout, 'started\n');
  assert.equal(await readFile(join(to, 'src', 'link'), 'utf8'), 'hello\n');
  assert.ok(restored.emergencyBackup, 'emergency backup taken');
  assert.equal((await verifyBackup(restored.emergencyBackup!)).ok, true);
  const gnu = await shell()`tar -xzf ${restored.emergencyBackup!} -O old.txt`;
  assert.equal(gnu.stdout, 'previous data');
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('.restore-')),
    [],
    'no temp folder left',
  );
});

test('verify catches a flipped byte, truncation, a tampered checksum or metadata, and a missing sidecar', async (t) => {
  const dir = await tempDir(t);
  await tree(dir);
  const damage = async (what: string, change: (path: string) => Promise<void>) => {
    const b = await createBackup({ root: dir, paths: ['src'], out: join(dir, what), name: 'x' });
    await change(b.path);
    return (await verifyBackup(b.path)).problem;
  };
  assert.match(
    (await damage('flip', async (p) => {
      const h = await open(p, 'r+');
      const byte = Buffer.alloc(1);
      await h.read(byte, 0, 1, 40);
      byte[0] ^= 0xff;
      await h.write(byte, 0, 1, 40);
      await h.close();
    }))!,
    /does not match its checksum/,
  );
  assert.match(
    (await damage('truncate', async (p) => {
      const size = (await stat(p)).size;
      const h = await open(p, 'r+');
      await h.truncate(size - 30);
      await h.close();
    }))!,
    /does not match its checksum/,
  );
  assert.match(
    (await damage('checksum', async (p) => writeFile(`${p}.sha256`, `${'0'.repeat(64)}  ${p.split('/').pop()}\n`)))!,
    /disagree about the archive digest/,
  );
  assert.match(
    (await damage('meta', async (p) => {
      const meta = JSON.parse(await readFile(`${p}.json`, 'utf8'));
      await writeFile(`${p}.json`, JSON.stringify({ ...meta, files: 99 }));
    }))!,
    /holds 3 files .* the metadata says 99/,
  );
  assert.match(
    (await damage('sidecar', async (p) => import('node:fs/promises').then((fs) => fs.rm(`${p}.sha256`))))!,
    /\.sha256 is missing/,
  );
});

test('verify reads the whole archive: a consistent but corrupt gzip (checksum recomputed) still fails', async (t) => {
  const dir = await tempDir(t);
  await tree(dir);
  const b = await createBackup({ root: dir, paths: ['src'], out: join(dir, 'o'), name: 'x' });
  const bytes = await readFile(b.path);
  const cut = bytes.subarray(0, bytes.length - 12);
  await writeFile(b.path, cut);
  const sha = (await import('node:crypto')).createHash('sha256').update(cut).digest('hex');
  const meta = JSON.parse(await readFile(`${b.path}.json`, 'utf8'));
  await writeFile(`${b.path}.json`, JSON.stringify({ ...meta, sha256: sha }));
  await writeFile(`${b.path}.sha256`, `${sha}  ${b.path.split('/').pop()}\n`);
  assert.match((await verifyBackup(b.path)).problem!, /reading the archive failed/);
});

test('a backup killed with SIGKILL mid-way leaves nothing that list or verify accept', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  await mkdir(src);
  // ~60 MB of incompressible data so the kill lands mid-write.
  for (let i = 0; i < 6; i++)
    await writeFile(join(src, `blob${i}`), (await import('node:crypto')).randomBytes(10 * 2 ** 20));
  const out = join(dir, 'out');
  const child = spawn(process.execPath, ['--import', 'tsx', KILL_FIXTURE, src, out], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout, 'data');
  await new Promise((resolve) => setTimeout(resolve, 150));
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.deepEqual(await listBackups(out), []);
  const names = await readdir(out);
  assert.ok(
    names.every((n) => n.startsWith('.') && n.endsWith('.partial')),
    `only a temp file is left: ${names}`,
  );
  const partial = join(out, names[0].slice(1, -'.partial'.length));
  assert.equal((await verifyBackup(partial)).ok, false);
});

test('prune keeps N and never deletes the newest verified backup', async (t) => {
  const dir = await tempDir(t);
  await tree(dir);
  const out = join(dir, 'out');
  const made = [];
  for (let i = 0; i < 4; i++) made.push(await createBackup({ root: dir, paths: ['src'], out, name: 'x' }));
  // The newest one is damaged: the newest *verified* one must survive even past `keep`.
  await writeFile(made[3].path, 'garbage');
  const { removed, keptVerified } = await pruneBackups(out, 1);
  assert.equal(keptVerified, made[2].path);
  assert.deepEqual(
    (await listBackups(out)).map((b) => b.path),
    [made[3].path, made[2].path],
  );
  assert.equal(removed.length, 2);
});
