import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const BACKUP_DHASH = join(FIXTURES, '..', '..', '..', '..', '..', 'scripts', 'backup-dhash.ts');

// A backup's result (its figures and checksum) appears once in what the operator sees, stdout and stderr together.
function assertBackupOnce(output: string): void {
  const line = /backup staging_\S+\.tar\.gz: \d+ files, \d+ bytes → \d+ bytes .*sha256=([0-9a-f]{64})/.exec(output);
  assert.ok(line, output);
  assert.equal(output.split(line[1]).length - 1, 1, `the checksum once:\n${output}`);
  assert.equal((output.match(/\d+ files, \d+ bytes/g) ?? []).length, 1, `the figures once:\n${output}`);
}

test('a backup result is printed once: `pnpm pilot` pre-deploy backup, `pnpm rollback` emergency backup, `pnpm backup-dhash`', async (t) => {
  const repo = await makeRepo({ env: { backup: { paths: ['svc'] } } });
  t.after(() => repo.cleanup());
  const standIn = join(FIXTURES, 'pilot-stand-in.ts');
  const first = await runScript(standIn, ['--version', 'r1', '--yes'], repo.root);
  assert.equal(first.code, 0, first.all);
  await repo.commit('r2');
  const second = await runScript(standIn, ['--version', 'r2', '--yes'], repo.root);
  assert.equal(second.code, 0, second.all);
  assertBackupOnce(second.all);
  const back = await runScript(standIn, ['--yes'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(back.code, 0, back.all);
  assertBackupOnce(back.all);
  const made = await runScript(BACKUP_DHASH, ['--env', 'staging'], repo.root);
  assert.equal(made.code, 0, made.all);
  assertBackupOnce(made.all);
  // The archive's path alone on stdout's first line, for scripts.
  assert.match(made.stdout.split('\n')[0], /^\/\S+\/staging_\S+\.tar\.gz$/);
});
