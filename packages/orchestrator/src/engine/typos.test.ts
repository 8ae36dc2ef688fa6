import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { REPO_ROOT, makeRepo, runScript } from '../testing/repo.ts';

const script = (name: string) => join(REPO_ROOT, 'scripts', `${name}.ts`);

// Every multi-command script (and every command with action words), a few typos each: exit 2, the closest word, nothing done.
const table: { script: string; args: string[]; says: RegExp }[] = [
  { script: 'pilot', args: ['stauts'], says: /pilot: unknown command 'stauts' — did you mean 'status'\?/ },
  { script: 'pilot', args: ['stats', '--env', 'staging'], says: /unknown command 'stats' — did you mean 'status'\?/ },
  {
    script: 'pilot',
    args: ['rollback', '--dry-run'],
    says: /unknown command 'rollback' — did you mean `pnpm rollback`\?/,
  },
  { script: 'pilot', args: ['rolback'], says: /unknown command 'rolback' — did you mean `pnpm rollback`\?/ },
  { script: 'pilot', args: ['deplyo'], says: /unknown command 'deplyo' — did you mean 'deploy'\?/ },
  { script: 'pilot', args: ['promot', '--full'], says: /unknown command 'promot' — did you mean 'promote'\?/ },
  { script: 'pilot', args: ['--env', 'staging', 'stauts'], says: /unknown command 'stauts' — did you mean 'status'\?/ },
  {
    script: 'pilot',
    args: ['--env', 'staging', 'status'],
    says: /'status' is a command — put it first: `pilot status \[flags\]`/,
  },
  { script: 'pilot', args: ['xyzzy'], says: /unknown command 'xyzzy' — commands: init, lock, deploy, status/ },
  {
    script: 'pilot',
    args: ['lock', 'relase', '--force'],
    says: /pilot lock: unknown action 'relase' — did you mean 'release'\?/,
  },
  { script: 'pilot', args: ['router', 'strat'], says: /pilot router: unknown action 'strat' — did you mean 'start'\?/ },
  {
    script: 'pilot',
    args: ['maintenance', 'of'],
    says: /pilot maintenance: unknown action 'of' — did you mean 'on'\?/,
  },
  { script: 'attest', args: ['verfy'], says: /attest: unknown command 'verfy' — did you mean 'verify'\?/ },
  { script: 'attest', args: ['keygne'], says: /attest: unknown command 'keygne' — did you mean 'keygen'\?/ },
  {
    script: 'attest',
    args: ['sign-blb', 'file.txt'],
    says: /attest: unknown command 'sign-blb' — did you mean 'sign-blob'\?/,
  },
  {
    script: 'backup-dhash',
    args: ['verfy', 'x.tar.gz'],
    says: /backup-dhash: unknown command 'verfy' — did you mean 'verify'\?/,
  },
  { script: 'backup-dhash', args: ['lsit'], says: /backup-dhash: unknown command 'lsit' — did you mean 'list'\?/ },
  {
    script: 'backup-dhash',
    args: ['restor', 'x.tar.gz'],
    says: /backup-dhash: unknown command 'restor' — did you mean 'restore'\?/,
  },
  { script: 'backup-dhash', args: ['prnue'], says: /backup-dhash: unknown command 'prnue' — did you mean 'prune'\?/ },
];

test('a mistyped command word is exit 2 naming the closest command, and nothing runs (no journal, lock, backup, release or tag)', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const pending = [...table];
  const failures: string[] = [];
  // Two at a time: each is a tsx start-up on a shared machine.
  await Promise.all(
    [0, 1].map(async () => {
      for (let row = pending.shift(); row; row = pending.shift()) {
        const r = await runScript(script(row.script), row.args, repo.root);
        if (r.code !== 2 || !row.says.test(r.stderr) || !/nothing was done/.test(r.stderr))
          failures.push(`${row.script} ${row.args.join(' ')} → exit ${r.code}: ${r.all.slice(0, 400)}`);
      }
    }),
  );
  assert.deepEqual(failures, []);
  assert.equal(existsSync(join(repo.root, '.pilot')), false, 'a typo wrote state');
  assert.equal((await shell({ cwd: repo.root })`git tag`).stdout, '');
});

test('a path that is no typo of a command is still an operand of the default command (backup-dhash PATH…)', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const r = await runScript(script('backup-dhash'), ['svc', '--out', join(repo.root, '..', 'out')], repo.root);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /check it: pnpm backup-dhash verify/);
});

test('every command listed by `pilot --help` (loaded only when run) has that summary in its own --help', async (t) => {
  const repo = await makeRepo({ service: false });
  t.after(() => repo.cleanup());
  const listing = (await runScript(script('pilot'), ['--help'], repo.root)).stdout;
  const commands = [
    ...listing
      .split('Commands:\n')[1]
      .split('\n\n')[0]
      .matchAll(/^ {2}(\S+) +(.+)$/gm),
  ].map(([, name, summary]) => ({ name, summary }));
  assert.ok(commands.length >= 10, listing);
  for (const { name, summary } of commands) {
    const own = await runScript(script('pilot'), [name, '--help'], repo.root);
    assert.equal(own.code, 0, own.all);
    assert.ok(
      own.stdout.split('\n')[0].endsWith(`— ${summary}`),
      `pilot ${name} --help begins "${own.stdout.split('\n')[0]}", the list says "${summary}"`,
    );
  }
});
