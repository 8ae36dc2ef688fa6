import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMigration } from '../migrations/files.ts';
import { UsageError } from '@pilot/core';
import { lintFiles, lintMigrations } from './lint.ts';
import { RULES } from './rules/index.ts';

const NT = '-- pilot:no-transaction\n';
const T = "SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n";

// Per rule: SQL that violates it (its statement on line 3, after the two SET lines) and the safe rewrite.
const CASES: Record<string, { bad: string; good: string }> = {
  'create-index-non-concurrent': {
    bad: `${T}CREATE INDEX orders_user ON orders (user_id);`,
    good: `${NT}${T}CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user ON orders (user_id);`,
  },
  'concurrently-in-transaction': {
    bad: `${T}CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);`,
    good: `${NT}${T}CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);`,
  },
  'drop-index-non-concurrent': {
    bad: `${T}DROP INDEX orders_user;`,
    good: `${NT}${T}DROP INDEX CONCURRENTLY IF EXISTS orders_user;`,
  },
  'constraint-not-valid': {
    bad: `${T}ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);`,
    good: `${T}ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;`,
  },
  'validate-in-same-transaction': {
    bad: `${T}ALTER TABLE orders VALIDATE CONSTRAINT positive;`.replace(
      'ALTER TABLE orders VALIDATE',
      'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID; ALTER TABLE orders VALIDATE',
    ),
    good: `${T}ALTER TABLE orders VALIDATE CONSTRAINT positive;`,
  },
  'unique-not-using-index': {
    bad: `${T}ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (email);`,
    good: `${T}ALTER TABLE users ADD CONSTRAINT users_email UNIQUE USING INDEX users_email_idx;`,
  },
  'set-not-null': {
    bad: `${T}ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
    good: `${NT}${T}ALTER TABLE users VALIDATE CONSTRAINT email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
  },
  'alter-column-type': {
    bad: `${T}ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);`,
    good: `${T}ALTER TABLE orders ADD COLUMN total_v2 numeric(12,2);`,
  },
  'volatile-default': {
    bad: `${T}ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();`,
    good: `${T}ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();`,
  },
  'not-null-without-default': {
    bad: `${T}ALTER TABLE users ADD COLUMN plan text NOT NULL;`,
    good: `${T}ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';`,
  },
  'rename-column': {
    bad: `${T}ALTER TABLE users RENAME COLUMN name TO full_name;`,
    good: `${T}ALTER TABLE users ADD COLUMN full_name text;`,
  },
  'rename-table': {
    bad: `${T}ALTER TABLE users RENAME TO accounts;`,
    good: `${T}CREATE VIEW accounts AS SELECT * FROM users;`,
  },
  'drop-column': {
    bad: `${T}ALTER TABLE users DROP COLUMN legacy;`,
    good: `${T}-- pilot:allow drop-column unused since release 41\nALTER TABLE users DROP COLUMN legacy;`,
  },
  'drop-table': {
    bad: `${T}DROP TABLE sessions;`,
    good: `${T}-- pilot:allow drop-table replaced by redis in release 40\nDROP TABLE sessions;`,
  },
  'vacuum-full': { bad: `${NT}${T}VACUUM FULL orders;`, good: `${NT}${T}VACUUM orders;` },
  cluster: { bad: `${T}CLUSTER orders USING orders_pkey;`, good: `${NT}${T}VACUUM (ANALYZE) orders;` },
  'explicit-transaction': {
    bad: `${T}BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;`,
    good: `${T}CREATE TABLE t (id int);`,
  },
  'missing-timeouts': {
    bad: 'ALTER TABLE users ADD COLUMN note text;',
    good: `${T}ALTER TABLE users ADD COLUMN note text;`,
  },
};

const lint = async (sql: string) => lintFiles([await parseMigration('m.sql', sql)]);

test('every rule has a violating and a fixed fixture', () => {
  assert.deepEqual(Object.keys(CASES).sort(), RULES.map((r) => r.id).sort());
});

for (const [rule, { bad, good }] of Object.entries(CASES)) {
  test(`${rule}: flags the violation with its line, passes the safe rewrite`, async () => {
    const found = (await lint(bad)).findings.filter((f) => f.rule === rule && !f.allowed);
    assert.equal(found.length, 1, `expected one ${rule} finding in:\n${bad}`);
    const expectedLine =
      rule === 'missing-timeouts'
        ? 1
        : bad.split('\n').findIndex((l) => !l.startsWith('--') && !l.startsWith('SET')) + 1;
    assert.equal(found[0].line, expectedLine);
    assert.ok(found[0].message.length > 20 && found[0].fix.length > 10);
    const fixed = await lint(good);
    assert.deepEqual(
      fixed.findings.filter((f) => !f.allowed).map((f) => `${f.rule}:${f.line}`),
      [],
    );
  });
}

test('an index on a table created in the same migration is fine', async () => {
  const report = await lint(
    `${T}CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz);\nCREATE INDEX audit_at ON audit (at);\nALTER TABLE audit ADD CONSTRAINT a UNIQUE (at);`,
  );
  assert.deepEqual(report.findings, []);
});

test('the allow directive lets the statement through for the named rules only, and is reported with its reason', async () => {
  const report = await lint(
    `${T}\n-- reviewed with the DBA\n-- pilot:allow drop-column, alter-column-type: table has 12 rows\nALTER TABLE users DROP COLUMN a, ALTER COLUMN b TYPE bigint, ALTER COLUMN c SET NOT NULL;`,
  );
  const byRule = Object.fromEntries(report.findings.map((f) => [f.rule, f]));
  assert.equal(byRule['drop-column'].allowed?.reason, 'table has 12 rows');
  assert.equal(byRule['alter-column-type'].allowed?.reason, 'table has 12 rows');
  assert.equal(byRule['set-not-null'].allowed, undefined);
  assert.equal(byRule['set-not-null'].line, 6);
  assert.deepEqual([report.errors, report.allowed, report.ok], [1, 2, false]);
});

test('a directive separated by a blank line does not apply; an unknown rule name is a warning', async () => {
  const report = await lint(
    `${T}-- pilot:allow drop-table\n\nDROP TABLE a;\n-- pilot:allow drop-tabel typo\nDROP TABLE b;`,
  );
  assert.deepEqual(
    report.findings.map((f) => `${f.rule}:${f.line}:${f.allowed ? 'allowed' : f.severity}`),
    ['drop-table:5:error', 'unknown-allow:6:warning', 'drop-table:7:error'],
  );
});

test('CONCURRENTLY after an explicit BEGIN is flagged even in a no-transaction file; lines count multi-line statements and comments', async () => {
  const sql = `${NT}${T}/* a block\ncomment */\nSELECT 1,\n  2;\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;`;
  const report = await lint(sql);
  assert.deepEqual(
    report.findings.map((f) => `${f.rule}:${f.line}`),
    ['concurrently-in-transaction:9'],
  );
});

test('a syntax error is an error finding on its line', async () => {
  const report = await lint(`${T}ALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ADD COLUMNN x int;`);
  assert.equal(report.findings[0].rule, 'syntax-error');
  assert.equal(report.findings[0].line, 4);
});

test('a missing migrations folder is a usage error (exit 2) naming it', async () => {
  await assert.rejects(
    lintMigrations({ dir: '/nonexistent/migrations' }),
    (error: Error) =>
      error instanceof UsageError && /migrations folder \/nonexistent\/migrations not found/.test(error.message),
  );
});
