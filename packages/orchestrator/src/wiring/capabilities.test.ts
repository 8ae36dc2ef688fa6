import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyFiles } from '@pilot/attest';
import { openEnv, readJournal, statePaths, shell } from '@pilot/core';
import { missing, startPostgres } from '@pilot/core/testing';
import pg from 'pg';
import { rollback } from '../commands/rollback.ts';
import { environmentStatus } from '../commands/status.ts';
import { deploy } from '../engine/deploy.ts';
import { standInAnalysis } from '../testing/probe-analysis.ts';
import { type RepoOptions, makeRepo, memoryLogger } from '../testing/repo.ts';

async function setup(t: { after(fn: () => Promise<void>): void }, options: RepoOptions) {
  const repo = await makeRepo(options);
  t.after(() => repo.cleanup());
  const { log, lines } = memoryLogger();
  const run = async () => {
    const ctx = await openEnv(repo.root, 'staging', log);
    return {
      ctx,
      result: await deploy({ ctx, log, signal: new AbortController().signal, analysis: standInAnalysis() }),
    };
  };
  return { repo, lines, run };
}

/** Sets process env vars for one test (deploy and its background attestation read them), restoring them after. */
function withEnv(t: { after(fn: () => void): void }, vars: Record<string, string>) {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

test('attestation: pilot attests the built release in the background; requireAttestation verifies it before promotion; status shows it', async (t) => {
  const keys = await makeRepo({ service: false });
  t.after(() => keys.cleanup());
  withEnv(t, { COSIGN_PASSWORD: 'correct horse' });
  const { privateKey, publicKey } = await generateKeyFiles(join(keys.root, 'cosign'), 'correct horse');
  const { run, lines } = await setup(t, {
    attest: { onDeploy: true, key: privateKey, publicKey },
    env: { requireAttestation: true },
  });
  const { ctx, result } = await run();
  assert.equal(result.outcome, 'succeeded', result.reason);
  assert.ok(
    lines.some((l) => l.includes('"attestation.started"')),
    'background attestation started after the build',
  );
  assert.ok(
    lines.some((l) => l.includes('"attestation.verified"')),
    'verified before promotion',
  );
  const manifest = JSON.parse(
    await readFile(join(ctx.paths.attestations(result.release.version), 'manifest.json'), 'utf8'),
  );
  assert.equal(manifest.status, 'signed');
  assert.equal(manifest.release.digest, result.release.digest);
  const status = await environmentStatus(ctx);
  assert.deepEqual(status.attestation && { version: status.attestation.version, state: status.attestation.state }, {
    version: result.release.version,
    state: 'signed',
  });
});

test('attestation: an environment that requires one refuses an unsigned release, or one signed by another key than the pinned one; exit 1', async (t) => {
  const keys = await makeRepo({ service: false });
  t.after(() => keys.cleanup());
  withEnv(t, { COSIGN_PASSWORD: 'pw' });
  const ours = await generateKeyFiles(join(keys.root, 'ours'), 'pw');
  const theirs = await generateKeyFiles(join(keys.root, 'theirs'), 'pw');
  const unsigned = await (
    await setup(t, { attest: { onDeploy: true, publicKey: ours.publicKey }, env: { requireAttestation: true } })
  ).run();
  assert.equal(unsigned.result.exitCode, 1);
  assert.match(unsigned.result.reason ?? '', /requires a verified attestation/);
  const forged = await (
    await setup(t, {
      attest: { onDeploy: true, key: theirs.privateKey, publicKey: ours.publicKey },
      env: { requireAttestation: true },
    })
  ).run();
  assert.equal(forged.result.exitCode, 1);
  assert.match(forged.result.reason ?? '', /requires a verified attestation/);
});

test('migrations: the migrate step applies them before traffic and commits the log; lint errors stop before the tag; rollback --restore-db restores the dump', {
  skip: missing.postgres && `skipped: ${missing.postgres}`,
}, async (t) => {
  const db = await startPostgres();
  t.after(() => db.stop());
  withEnv(t, { DATABASE_URL: db.url });
  const { repo, run } = await setup(t, { migrations: { dir: 'migrations', lockTimeout: '2s', retries: 1 } });
  const git = async (...args: string[]) => (await shell({ cwd: repo.root })`git ${args}`).stdout.trim();
  const addMigration = async (name: string, sql: string) => {
    await writeFile(join(repo.root, 'migrations', name), sql);
    await git('add', 'migrations');
    await git('commit', '-q', '-m', `migration ${name}`);
  };
  await mkdir(join(repo.root, 'migrations'));
  await addMigration('001_accounts.sql', 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n');
  const tables = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    await client.end();
    return rows.map((r) => r.table_name as string);
  };

  const first = await run();
  assert.equal(first.result.outcome, 'succeeded', first.result.reason);
  assert.ok(
    first.result.plan
      .map((s) => s.name)
      .join(' ')
      .includes('tag migrate prepare promote'),
    first.result.plan.map((s) => s.name).join(' '),
  );
  assert.deepEqual(await tables(), ['accounts', 'pilot_migrations']);
  assert.match(await git('log', '-1', '--format=%s', '--', '.async-migration-log'), /migrations 001_accounts\.sql/);
  assert.equal(
    await git('status', '--porcelain'),
    '',
    'the migration log is committed, the tree clean for the next preflight',
  );

  await addMigration('002_orders.sql', 'CREATE TABLE orders (id bigint PRIMARY KEY);\n');
  const second = await run();
  assert.equal(second.result.outcome, 'succeeded', second.result.reason);
  assert.deepEqual(await tables(), ['accounts', 'orders', 'pilot_migrations']);
  const { entries } = await readJournal(statePaths(second.ctx.paths.root).journal(second.result.deploymentId!));
  const applied = entries.find((e) => e.event === 'migration.applied');
  assert.equal(applied?.migration, '002_orders.sql');
  assert.ok(existsSync(String(applied?.dump)), 'the verified dump taken before the migration');

  await addMigration('003_index.sql', 'CREATE INDEX accounts_email ON accounts (email);\n');
  const linted = await run();
  assert.equal(linted.result.exitCode, 1);
  assert.match(linted.result.reason ?? '', /migration lint error/);
  assert.ok(
    !(await git('tag', '-l')).includes(linted.result.release.version),
    'no tag for a release whose migrations fail the lint',
  );
  assert.deepEqual(await tables(), ['accounts', 'orders', 'pilot_migrations']);

  const back = await rollback({
    ctx: second.ctx,
    log: memoryLogger().log,
    signal: new AbortController().signal,
    analysis: standInAnalysis(),
    to: first.result.release.version,
    restoreDb: true,
  });
  assert.equal(back.exitCode, 0);
  assert.match(back.migration ?? '', /database restored/);
  assert.deepEqual(await tables(), ['accounts', 'pilot_migrations'], 'the dump taken before 002 is restored');
});
