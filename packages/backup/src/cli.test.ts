import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScript, tempDir } from '@pilot/core/testing';

test('`pnpm backup-dhash`: config sources, list, verify (exit 1 when damaged), restore, prune; bad input exits 2', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'data', 'db.json'), '{"users":1}');
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: 18999, backup: { paths: ['data'], keep: 2 } } } };\n`,
  );
  const made = runScript('backup-dhash', ['--env', 'staging', '--json'], { cwd: dir });
  assert.equal(made.status, 0, made.stderr);
  const archive = JSON.parse(made.stdout).path as string;
  assert.ok(archive.startsWith(join(dir, '.pilot', 'backups', 'staging', 'staging_')));
  const list = runScript('backup-dhash', ['list', '--env', 'staging'], { cwd: dir });
  assert.match(list.stdout, /staging_\d{8}T\d{9}Z\.tar\.gz +\d{4}-/);
  assert.equal(runScript('backup-dhash', ['verify', archive], { cwd: dir }).status, 0);
  const restored = runScript('backup-dhash', ['restore', archive, '--to', join(dir, 'copy')], { cwd: dir });
  assert.equal(restored.status, 0, restored.stderr);
  await writeFile(`${archive}.json`, '{');
  const bad = runScript('backup-dhash', ['verify', archive], { cwd: dir });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /metadata sidecar .* is not valid JSON/);
  assert.equal(runScript('backup-dhash', ['restore', archive], { cwd: dir }).status, 2);
  assert.equal(
    runScript('backup-dhash', ['restore', archive, '--to', join(dir, 'x')], { cwd: dir }).status,
    1,
    'a damaged backup is never restored',
  );
  assert.equal(runScript('backup-dhash', ['nothing-here'], { cwd: dir }).status, 2);
  assert.equal(runScript('backup-dhash', ['prune', '--keep', 'zero'], { cwd: dir }).status, 2);
});
