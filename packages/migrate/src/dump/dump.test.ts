import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { after, before, test } from 'node:test';
import { type TestPostgres, missing, startPostgres } from '@pilot/core/testing';
import { migrationRepo } from '../testing/setup.ts';
import { createDump, verifyDump } from './dump.ts';
import { libpqEnv } from './libpq-env.ts';
import { restoreDump } from './restore.ts';

let postgres: TestPostgres;
before(async () => {
  if (!missing.postgres) postgres = await startPostgres();
});
after(() => postgres?.stop());
const skip = missing.postgres;

async function dumpedRepo(t: Parameters<typeof migrationRepo>[0]) {
  const repo = await migrationRepo(t, postgres, {});
  await repo.sql(
    'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 2000) g',
  );
  const dump = await createDump({ url: repo.url, dir: `${repo.root}/dumps`, log: repo.options.log });
  return { repo, dump };
}

const sidecar = async (path: string) =>
  writeFile(
    `${path}.sha256`,
    `${createHash('sha256')
      .update(await readFile(path))
      .digest('hex')}  ${basename(path)}\n`,
  );

test('a dump with flipped bytes fails its sha256; re-hashed, pg_restore -f /dev/null still finds it corrupt', {
  skip,
}, async (t) => {
  const { dump } = await dumpedRepo(t);
  assert.deepEqual(await verifyDump(dump.path), { sha256: dump.sha256 });
  const bytes = await readFile(dump.path);
  for (let i = bytes.length - 400; i < bytes.length - 200; i++) bytes[i] ^= 0xff;
  await writeFile(dump.path, bytes);
  await assert.rejects(verifyDump(dump.path), /is corrupt: sha256 [0-9a-f]{64} ≠/);
  await sidecar(dump.path);
  await assert.rejects(verifyDump(dump.path), /unreadable by pg_restore \(truncated or corrupt\)/);
});

test('a truncated dump is detected even with a matching sidecar (pg_restore --list would accept it)', {
  skip,
}, async (t) => {
  const { dump } = await dumpedRepo(t);
  await truncate(dump.path, dump.bytes - 300);
  await sidecar(dump.path);
  await assert.rejects(verifyDump(dump.path), /unreadable by pg_restore/);
});

test('restoreDump verifies the dump, then brings back a dropped table in one transaction', { skip }, async (t) => {
  const { repo, dump } = await dumpedRepo(t);
  await repo.sql('DROP TABLE orders');
  const restored = await restoreDump({
    root: repo.root,
    envName: 'staging',
    env: repo.options.env,
    config: repo.config,
    dump: dump.path,
    log: repo.options.log,
    processEnv: repo.options.processEnv,
  });
  assert.equal(restored.sha256, dump.sha256);
  assert.deepEqual(await repo.sql('SELECT count(*)::int AS n, sum(total)::text AS s FROM orders'), [
    { n: 2000, s: '3001500.0' },
  ]);
});

test('libpq variables carry the URL parts, so no password appears in pg_dump arguments', () => {
  assert.deepEqual(
    libpqEnv('postgres://app:s%40cret@db.internal:6432/shop?sslmode=require&application_name=x&unknown=1'),
    {
      PGHOST: 'db.internal',
      PGPORT: '6432',
      PGUSER: 'app',
      PGPASSWORD: 's@cret',
      PGDATABASE: 'shop',
      PGSSLMODE: 'require',
      PGAPPNAME: 'x',
    },
  );
});
