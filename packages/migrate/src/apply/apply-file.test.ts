import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestPostgres, missing, startPostgres } from '@pilot/core/testing';
import pg from 'pg';
import { resolveSettings } from '../db/settings.ts';
import { parseMigration } from '../migrations/files.ts';
import { ensureMigrationsTable } from '../migrations/table.ts';
import { migrationRepo } from '../testing/setup.ts';
import { ApplyError, applyFile } from './apply-file.ts';

let postgres: TestPostgres;
before(async () => {
  if (!missing.postgres) postgres = await startPostgres();
});
after(() => postgres?.stop());
const skip = missing.postgres;

async function setup(t: Parameters<typeof migrationRepo>[0], retries: number) {
  const repo = await migrationRepo(t, postgres, {}, { retries });
  await repo.sql('CREATE TABLE users (id bigint PRIMARY KEY, email text)');
  const clients = await Promise.all(
    [0, 1].map(async () => {
      const client = new pg.Client({ connectionString: repo.url });
      await client.connect();
      t.after(() => client.end());
      return client;
    }),
  );
  await ensureMigrationsTable(clients[0], 'pilot_migrations');
  await clients[1].query('BEGIN; LOCK TABLE users IN ACCESS SHARE MODE');
  return { repo, client: clients[0], blocker: clients[1], settings: resolveSettings(repo.options) };
}

for (const noTransaction of [false, true]) {
  const kind = noTransaction ? 'a no-transaction file (per statement)' : 'a transactional file';
  test(`applying ${kind}: SQLSTATE 55P03 is retried with doubling back-off until the blocking transaction ends`, {
    skip,
  }, async (t) => {
    const { repo, client, blocker, settings } = await setup(t, 5);
    const file = await parseMigration(
      '002_note.sql',
      `${noTransaction ? '-- pilot:no-transaction\n' : ''}ALTER TABLE users ADD COLUMN note text;\n`,
    );
    const released = new Promise((resolve) => setTimeout(resolve, 450)).then(() => blocker.query('ROLLBACK'));
    const { attempts } = await applyFile(client, file, settings, repo.options.log);
    await released;
    assert.ok(attempts >= 2, `attempts ${attempts}`);
    const waits = repo.lines.filter((l) => l.event === 'migration.retry').map((l) => l.waitMs);
    assert.deepEqual(
      waits,
      waits.map((_, i) => 100 * 2 ** i),
    );
    assert.deepEqual(
      (await repo.sql('SELECT name FROM pilot_migrations')).map((r) => r.name),
      ['002_note.sql'],
    );
  });
}

test('retries exhausted: rolled back, nothing recorded, and the error names the file, line, SQLSTATE and attempts', {
  skip,
}, async (t) => {
  const { repo, client, settings } = await setup(t, 1);
  const file = await parseMigration(
    '002_note.sql',
    "SET lock_timeout = '100ms';\nALTER TABLE users ADD COLUMN note text;\n",
  );
  const error = await applyFile(client, file, settings, repo.options.log).catch((e: unknown) => e);
  assert.ok(error instanceof ApplyError);
  assert.match(
    error.message,
    /^migration 002_note\.sql:2 failed: canceling statement due to lock timeout \(SQLSTATE 55P03\) — still blocked after 2 attempts .* It was rolled back/,
  );
  assert.deepEqual(await repo.sql('SELECT name FROM pilot_migrations'), []);
});
