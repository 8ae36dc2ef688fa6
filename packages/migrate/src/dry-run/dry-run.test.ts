import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestPostgres, missing, startPostgres } from '@pilot/core/testing';
import { SCHEMA_SQL, migrationRepo } from '../testing/setup.ts';
import { dryRunMigrations } from './dry-run.ts';

let postgres: TestPostgres;
before(async () => {
  if (!missing.postgres) postgres = await startPostgres();
});
after(() => postgres?.stop());
const skip = missing.postgres;

const BASE =
  "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nINSERT INTO users VALUES (1, 'a@example.com');\n";

test('a good migration is applied and rolled back: the schema is unchanged and each migration is reported ok', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, {
    '001_users.sql': BASE,
    '002_note.sql': 'ALTER TABLE users ADD COLUMN note text;\n',
  });
  const report = await dryRunMigrations(repo.options);
  assert.deepEqual(
    report.migrations.map((m) => `${m.name}:${m.status}`),
    ['001_users.sql:ok', '002_note.sql:ok'],
  );
  assert.ok(report.ok);
  assert.deepEqual(await repo.sql(SCHEMA_SQL), []);
});

test('a broken migration reports the PostgreSQL error with its SQLSTATE and file line; later ones are skipped', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, {
    '001_users.sql': BASE,
    '002_bad.sql':
      "SET lock_timeout = '1s';\n\nINSERT INTO users (id, email)\n  SELECT id + 1,\n    nosuchcolumn FROM users;\n",
    '003_next.sql': 'ALTER TABLE users ADD COLUMN x int;\n',
  });
  const report = await dryRunMigrations(repo.options);
  const [, bad, next] = report.migrations;
  assert.equal(bad.status, 'failed');
  assert.equal(bad.error?.sqlstate, '42703');
  assert.match(bad.error?.message ?? '', /nosuchcolumn/);
  assert.equal(bad.error?.line, 5);
  assert.equal(next.status, 'skipped');
  assert.equal(report.ok, false);
  assert.deepEqual(await repo.sql(SCHEMA_SQL), []);
});

test('CONCURRENTLY, VACUUM and sequence calls are listed as not dry-run, never run', { skip }, async (t) => {
  const repo = await migrationRepo(t, postgres, {
    '001_users.sql': `${BASE}CREATE SEQUENCE ids;\n`,
    '002_index.sql':
      "-- pilot:no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nVACUUM users;\nSELECT setval('ids', 100);\n",
  });
  const report = await dryRunMigrations(repo.options);
  const notDryRun = report.migrations[1].notDryRun;
  assert.deepEqual(
    notDryRun.map((n) => n.line),
    [2, 3, 4],
  );
  assert.match(notDryRun[0].reason, /CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);
  assert.match(notDryRun[2].reason, /setval\(\), which changes a sequence/);
  assert.equal(report.migrations[1].status, 'ok');
});

test('only migrations missing from the migrations table are pending; a recorded one edited since is reported', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, {
    '001_users.sql': BASE,
    '002_note.sql': 'ALTER TABLE users ADD COLUMN note text;\n',
  });
  await repo.sql(BASE);
  await repo.sql(
    'CREATE TABLE pilot_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL)',
  );
  await repo.sql("INSERT INTO pilot_migrations VALUES ('001_users.sql', $1, now(), 1)", ['0'.repeat(64)]);
  const report = await dryRunMigrations(repo.options);
  assert.deepEqual(report.pending, ['002_note.sql']);
  assert.deepEqual(
    report.edited.map((e) => e.name),
    ['001_users.sql'],
  );
  assert.equal(report.ok, false);
});
