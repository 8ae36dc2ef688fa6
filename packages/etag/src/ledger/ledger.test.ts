import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { checkEtags, recordEtags } from './ledger.ts';

async function repo(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-ledger-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await git(dir, 'init', '-q', '-b', 'main');
  await write(dir, 'apps/api/index.js', 'api v1\n');
  await write(dir, 'apps/web/index.html', '<p>v1</p>\n');
  await write(dir, '.gitignore', 'node_modules/\n');
  return dir;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await shell({ cwd })`git -c user.email=t@example.invalid -c user.name=test -c commit.gpgsign=false ${args}`)
    .stdout;
}

async function write(dir: string, path: string, text: string): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), text);
}

async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
}

const folders = ['apps/api', 'apps/web'];
const kinds = (result: Awaited<ReturnType<typeof checkEtags>>) =>
  result.problems.map((p) => `${p.folder}:${p.kind}`).sort();

test('record creates the ledger at seq 1, check passes, and record without changes keeps it byte for byte', async (t) => {
  const dir = await repo(t);
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders })), ['apps/api:not-recorded', 'apps/web:not-recorded']);
  const first = await recordEtags({ root: dir, folders });
  assert.deepEqual(
    first.changes.map((c) => [c.folder, c.status, c.to?.seq]),
    [
      ['apps/api', 'new', 1],
      ['apps/web', 'new', 1],
    ],
  );
  const text = await readFile(join(dir, 'etags.json'), 'utf8');
  assert.match(text, /^\{\n {2}"apps\/api": \{\n {4}"seq": 1,\n {4}"etag": "\\"sha256-[0-9a-f]{64}\\""/);
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders })), []);
  await recordEtags({ root: dir, folders });
  assert.equal(await readFile(join(dir, 'etags.json'), 'utf8'), text);
});

test('a content change without --record fails the check (stale); --record bumps only that folder', async (t) => {
  const dir = await repo(t);
  await recordEtags({ root: dir, folders });
  await write(dir, 'apps/api/index.js', 'api v2\n');
  await write(dir, 'apps/web/node_modules/x.js', 'ignored\n');
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders })), ['apps/api:stale']);
  const recorded = await recordEtags({ root: dir, folders });
  assert.deepEqual(
    recorded.changes.map((c) => [c.folder, c.status, c.to?.seq]),
    [
      ['apps/api', 'changed', 2],
      ['apps/web', 'unchanged', 1],
    ],
  );
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders })), []);
});

test('against the base branch: seq going backwards and a change without a higher seq both fail', async (t) => {
  const dir = await repo(t);
  await recordEtags({ root: dir, folders });
  await write(dir, 'apps/api/index.js', 'api v2\n');
  await recordEtags({ root: dir, folders });
  await commitAll(dir, 'main at api seq 2');
  await git(dir, 'checkout', '-q', '-b', 'feature');
  const ledger = JSON.parse(await readFile(join(dir, 'etags.json'), 'utf8'));

  // The branch rolls api's content back to v1 and its seq to 1, as an old ledger would.
  await write(dir, 'apps/api/index.js', 'api v1\n');
  const old = await recordEtags({ root: dir, folders, base: 'HEAD~0' });
  assert.equal(old.changes[0].to?.seq, 3, 'record goes above the base seq, never back to a used number');
  await writeFile(
    join(dir, 'etags.json'),
    JSON.stringify({ ...ledger, 'apps/api': { seq: 1, etag: old.changes[0].to?.etag } }),
  );
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders, base: 'main' })), ['apps/api:seq-backwards']);

  // Content changed and recorded by hand with the base's seq.
  await writeFile(
    join(dir, 'etags.json'),
    JSON.stringify({ ...ledger, 'apps/api': { seq: 2, etag: old.changes[0].to?.etag } }),
  );
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders, base: 'main' })), ['apps/api:seq-not-bumped']);

  await recordEtags({ root: dir, folders, base: 'main' });
  const check = await checkEtags({ root: dir, folders, base: 'main' });
  assert.deepEqual(kinds(check), []);
  assert.equal(check.folders[0].recorded?.seq, 3);
  assert.equal(check.folders[0].base?.seq, 2);
});

test('a branch behind main that is rebased gets a seq above main on --record', async (t) => {
  const dir = await repo(t);
  await recordEtags({ root: dir, folders });
  await commitAll(dir, 'seq 1');
  await git(dir, 'checkout', '-q', '-b', 'feature');
  await write(dir, 'apps/web/index.html', '<p>feature</p>\n');
  await recordEtags({ root: dir, folders, base: 'main' });
  await commitAll(dir, 'feature: web seq 2');
  await git(dir, 'checkout', '-q', 'main');
  await write(dir, 'apps/web/index.html', '<p>main v2</p>\n');
  await recordEtags({ root: dir, folders });
  await write(dir, 'apps/web/extra.css', 'p{}\n');
  await recordEtags({ root: dir, folders });
  await commitAll(dir, 'main: web seq 3');
  await git(dir, 'checkout', '-q', 'feature');
  // The feature branch still says seq 2 while main has 3.
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders, base: 'main' })), ['apps/web:seq-backwards']);
  const recorded = await recordEtags({ root: dir, folders, base: 'main' });
  assert.equal(recorded.changes.find((c) => c.folder === 'apps/web')?.to?.seq, 4);
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders, base: 'main' })), []);
});

test('folders dropped from the config are flagged by --check and removed by --record; bad input names the field', async (t) => {
  const dir = await repo(t);
  await recordEtags({ root: dir, folders });
  assert.deepEqual(kinds(await checkEtags({ root: dir, folders: ['apps/api'] })), ['apps/web:not-tracked']);
  const recorded = await recordEtags({ root: dir, folders: ['apps/api'] });
  assert.deepEqual(
    recorded.changes.map((c) => c.status),
    ['unchanged', 'removed'],
  );
  assert.deepEqual(Object.keys(JSON.parse(await readFile(join(dir, 'etags.json'), 'utf8'))), ['apps/api']);
  await assert.rejects(
    checkEtags({ root: dir, folders: ['apps/nope'] }),
    /etag\.folders\[0\] "apps\/nope": no such folder/,
  );
  await assert.rejects(
    checkEtags({ root: dir, folders: ['../x'] }),
    /etag\.folders\[0\] "\.\.\/x": expected a folder inside/,
  );
  await assert.rejects(
    checkEtags({ root: dir, folders, base: 'no-such-branch' }),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /--base "no-such-branch"/.test(e.message),
  );
  await writeFile(join(dir, 'etags.json'), '{"apps/api": {"seq": 0, "etag": "x"}}');
  await assert.rejects(checkEtags({ root: dir, folders }), /apps\/api\.seq is 0 — expected an integer ≥ 1/);
});
