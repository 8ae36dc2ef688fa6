import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RefusedError } from '@pilot/core';
import { type TestPostgres, missing, startPostgres } from '@pilot/core/testing';
import pg from 'pg';
import { SCHEMA_SQL, migrationRepo } from '../testing/setup.ts';
import { ADVISORY_LOCK_KEY } from './advisory-lock.ts';
import { MigrationFailedError } from './migration-failed.ts';
import { safeMigrate } from './safe-migrate.ts';

let postgres: TestPostgres;
before(async () => {
  if (!missing.postgres) postgres = await startPostgres();
});
after(() => postgres?.stop());
const skip = missing.postgres;

const USERS =
  "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nINSERT INTO users VALUES (1, 'a@example.com');\n";
const INDEX = '-- pilot:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n';

async function session(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

test('applies pending migrations, records them, journals backup and applied, logs them; a second run applies nothing', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(
    t,
    postgres,
    { '001_users.sql': USERS, '002_index.sql': INDEX },
    { verify: [{ name: 'one user', sql: 'SELECT count(*) FROM users', expect: 1 }] },
  );
  const events: Array<[string, Record<string, unknown>]> = [];
  const result = await safeMigrate({
    ...repo.options,
    journal: async (event, fields) => void events.push([event, fields]),
  });
  assert.deepEqual(result.applied, ['001_users.sql', '002_index.sql']);
  assert.deepEqual(
    result.verify.map((v) => v.ok),
    [true, true],
  );
  const rows = await repo.sql('SELECT name, sha256, duration_ms FROM pilot_migrations ORDER BY name');
  assert.deepEqual(
    rows.map((r) => r.name),
    ['001_users.sql', '002_index.sql'],
  );
  assert.match(rows[0].sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual((await repo.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass"))[0], {
    indisvalid: true,
  });
  assert.ok(result.dump?.startsWith(join(repo.root, '.pilot', 'backups', 'staging', 'db_')) && existsSync(result.dump));
  assert.match(readFileSync(`${result.dump}.sha256`, 'utf8'), /^[0-9a-f]{64} {2}db_\d{8}T\d{6}Z\.dump\n$/);
  assert.deepEqual(
    events.map(([e, f]) => `${e}:${f.migration ?? ''}`),
    ['migration.backup:', 'migration.applied:001_users.sql', 'migration.applied:002_index.sql'],
  );
  assert.equal(events[1][1].dump, result.dump);
  const log = readFileSync(join(repo.root, '.async-migration-log'), 'utf8').trim().split('\n');
  assert.equal(log.length, 2);
  assert.match(
    log[0],
    /^\d{4}-\d\d-\d\dT[\d:.]+Z\tstaging\t001_users\.sql\t[0-9a-f]{64}\t\.pilot\/backups\/staging\/db_\w+\.dump$/,
  );
  assert.doesNotMatch(JSON.stringify(repo.lines), new RegExp(repo.url.replace(/[/.:]/g, '\\$&')));
  const again = await safeMigrate(repo.options);
  assert.deepEqual([again.applied, again.dump], [[], undefined]);
});

test('a lock timeout caused by an open transaction is retried with back-off and succeeds once the lock is released', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS }, { retries: 5 });
  await safeMigrate(repo.options);
  await repo.write('002_note.sql', 'ALTER TABLE users ADD COLUMN note text;\n');
  const blocker = await session(repo.url);
  t.after(() => blocker.end());
  await blocker.query('BEGIN; LOCK TABLE users IN ACCESS SHARE MODE');
  // Released once the first lock timeout was retried (not after a fixed time: the verified dump before it may take longer on a busy host).
  const released = (async () => {
    for (
      const until = Date.now() + 30_000;
      !repo.lines.some((l) => l.event === 'migration.retry') && Date.now() < until;
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    await blocker.query('ROLLBACK');
  })();
  const result = await safeMigrate(repo.options);
  await released;
  assert.deepEqual(result.applied, ['002_note.sql']);
  const retries = repo.lines.filter((l) => l.event === 'migration.retry');
  assert.ok(retries.length >= 1, 'expected at least one logged retry');
  assert.match(String(retries[0].msg), /002_note\.sql:1: lock timeout \(200ms\).*retry 1 of 5 in 100 ms/);
});

test('retries exhausted: nothing is applied, the error says why and prints the restore command', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  await safeMigrate(repo.options);
  await repo.write('002_note.sql', 'ALTER TABLE users ADD COLUMN note text;\n');
  const blocker = await session(repo.url);
  t.after(() => blocker.end());
  await blocker.query('BEGIN; LOCK TABLE users IN ACCESS SHARE MODE');
  const events: string[] = [];
  const error = await safeMigrate({ ...repo.options, journal: async (e) => void events.push(e) }).catch(
    (e: unknown) => e,
  );
  await blocker.query('ROLLBACK');
  assert.ok(error instanceof MigrationFailedError);
  assert.match(
    error.message,
    /002_note\.sql:1 failed: canceling statement due to lock timeout \(SQLSTATE 55P03\) after 3 attempts/,
  );
  assert.match(
    error.message,
    /pg_restore --clean --if-exists --no-owner --single-transaction -d "\$TEST_DB_URL" \S+\.dump/,
  );
  assert.equal(repo.lines.filter((l) => l.event === 'migration.retry').length, 2);
  assert.deepEqual(events, ['migration.backup', 'migration.failed']);
  assert.deepEqual(
    (await repo.sql('SELECT name FROM pilot_migrations')).map((r) => r.name),
    ['001_users.sql'],
  );
});

test('a failing migration is rolled back leaving the schema unchanged, with the restore command', {
  skip,
}, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  await safeMigrate(repo.options);
  const schema = await repo.sql(SCHEMA_SQL);
  // Passes the dry-run (the table is empty there too) and fails for real only through the data: an honest gap of any dry-run.
  await repo.write(
    '002_bad.sql',
    'ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ADD CONSTRAINT one_user CHECK (id > 1) NOT VALID;\nUPDATE users SET id = 0;\n',
  );
  const error = await safeMigrate(repo.options).catch((e: unknown) => e);
  assert.ok(error instanceof MigrationFailedError);
  assert.equal(error.migration, '002_bad.sql');
  assert.match(error.message, /dry-run of 002_bad\.sql:3 failed: .*one_user.*\(SQLSTATE 23514\); nothing was applied/);
  assert.ok(error.restoreCommand?.includes('$TEST_DB_URL') && error.dump && existsSync(error.dump));
  assert.deepEqual(await repo.sql(SCHEMA_SQL), schema);
  assert.deepEqual(
    (await repo.sql('SELECT name FROM pilot_migrations')).map((r) => r.name),
    ['001_users.sql'],
  );
});

test('another session holding the advisory lock makes safe-migration refuse (exit 3)', { skip }, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  const holder = await session(repo.url);
  t.after(() => holder.end());
  await holder.query('SELECT pg_advisory_lock($1::bigint)', [ADVISORY_LOCK_KEY.toString()]);
  const error = await safeMigrate(repo.options).catch((e: unknown) => e);
  assert.ok(error instanceof RefusedError);
  assert.match(error.message, /another safe-migration is running on this database \(PostgreSQL pid \d+/);
  assert.deepEqual(await repo.sql("SELECT to_regclass('users') AS t"), [{ t: null }]);
});

test('a migration edited after it was applied stops the run', { skip }, async (t) => {
  const repo = await migrationRepo(t, postgres, { '001_users.sql': USERS });
  await safeMigrate(repo.options);
  await repo.write('001_users.sql', `${USERS}-- edited\n`);
  await assert.rejects(safeMigrate(repo.options), /001_users\.sql changed after being applied/);
});
