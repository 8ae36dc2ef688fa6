import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type TestPostgres, missing, runScript, startPostgres, tempDir } from '@pilot/core/testing';
import pg from 'pg';
import { ADVISORY_LOCK_KEY } from './apply/advisory-lock.ts';
import { migrationRepo } from './testing/setup.ts';

let postgres: TestPostgres;
before(async () => {
  if (!missing.postgres) postgres = await startPostgres();
});
after(() => postgres?.stop());
const skip = missing.postgres;

const USERS =
  "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n";
// A password in the URL (ignored by the test server's trust auth) that must never be printed.
const withPassword = (url: string) => url.replace('pilot@', 'pilot:hunter2-secret@');

test('migration-dryrun --lint-only needs no database or config: exit 1 with the findings table, 0 and JSON once fixed (warnings do not fail)', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, '001.sql'),
    "SET lock_timeout = '2s';\nSET statement_timeout = '1min';\nCREATE INDEX users_email ON users (email);\n",
  );
  const bad = runScript('migration-dryrun', ['--lint-only', '--dir', dir], { cwd: dir });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(
    bad.stdout,
    /FILE\s+LINE\s+SEVERITY\s+RULE\s+MESSAGE\n001\.sql\s+3\s+error\s+create-index-non-concurrent\s+CREATE INDEX takes a SHARE lock.*\n\s+→ CREATE INDEX CONCURRENTLY/,
  );
  await writeFile(
    join(dir, '001.sql'),
    '-- pilot:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n',
  );
  const fixed = runScript('migration-dryrun', ['--lint-only', '--dir', dir, '--json'], { cwd: dir });
  assert.equal(fixed.status, 0, fixed.stderr);
  // Only the missing-timeouts warning is left: warnings do not fail the lint.
  const { lint } = JSON.parse(fixed.stdout);
  assert.deepEqual(
    [lint.ok, lint.errors, lint.findings.map((f: { rule: string; severity: string }) => `${f.rule}:${f.severity}`)],
    [true, 0, ['missing-timeouts:warning']],
  );
});

test('migration-dryrun: 2 naming the unset URL variable, 0 with a passing dry-run, 1 with a failing one', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  const unset = runScript('migration-dryrun', ['--env', 'staging'], { cwd: repo.root, env: { TEST_DB_URL: '' } });
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /TEST_DB_URL is not set: .*export TEST_DB_URL=postgres:\/\//);
  const env = { TEST_DB_URL: withPassword(repo.url) };
  const ok = runScript('migration-dryrun', ['--env', 'staging'], { cwd: repo.root, env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /dry-run on \$TEST_DB_URL .*\n {2}✓ 001_users\.sql/);
  await repo.write(
    '002_bad.sql',
    "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\nALTER TABLE nosuch ADD COLUMN x text;\n",
  );
  const failed = runScript('migration-dryrun', ['--env', 'staging', '--json'], { cwd: repo.root, env });
  assert.equal(failed.status, 1);
  const { dryRun } = JSON.parse(failed.stdout);
  assert.deepEqual(dryRun.migrations[1].error, {
    sqlstate: '42P01',
    message: 'relation "nosuch" does not exist',
    line: 3,
  });
  assert.doesNotMatch(ok.stdout + ok.stderr + failed.stdout + failed.stderr, /hunter2-secret/);
});

test('safe-migration: 2 without --yes and a terminal; 0 applying with --yes --json; 3 when another run holds the lock; 1 with the restore command', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  const env = { TEST_DB_URL: withPassword(repo.url) };
  const unconfirmed = runScript('safe-migration', ['--env', 'staging'], { cwd: repo.root, env });
  assert.equal(unconfirmed.status, 2);
  assert.match(unconfirmed.stderr, /pass --yes/);
  const applied = runScript('safe-migration', ['--env', 'staging', '--yes', '--json'], { cwd: repo.root, env });
  assert.equal(applied.status, 0, applied.stderr);
  assert.deepEqual(JSON.parse(applied.stdout).applied, ['001_users.sql']);
  assert.doesNotMatch(applied.stdout + applied.stderr, /hunter2-secret/);

  await repo.write(
    '002_note.sql',
    "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\nALTER TABLE users ADD COLUMN note text;\n",
  );
  const holder = new pg.Client({ connectionString: repo.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1::bigint)', [ADVISORY_LOCK_KEY.toString()]);
  const refused = runScript('safe-migration', ['--env', 'staging', '--yes'], { cwd: repo.root, env });
  await holder.end();
  assert.equal(refused.status, 3);
  assert.match(refused.stderr, /another safe-migration is running/);

  await repo.write(
    '003_bad.sql',
    "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\nALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID;\nINSERT INTO users VALUES (0, 'x');\n",
  );
  const failed = runScript('safe-migration', ['--env', 'staging', '--yes'], { cwd: repo.root, env });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /003_bad\.sql:4 failed: .*SQLSTATE 23514/);
  assert.match(
    failed.stderr,
    /pg_restore --clean --if-exists --no-owner --single-transaction -d "\$TEST_DB_URL" \S+\.pilot\/backups\/staging\/db_\w+\.dump/,
  );
  assert.doesNotMatch(failed.stdout + failed.stderr, /hunter2-secret/);
});
