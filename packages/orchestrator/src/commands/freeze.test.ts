import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, PILOT as PILOT_SCRIPT, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');

test('pilot lock hold freezes deployments (exit 3 with the reason and who) but not rollbacks, until pilot lock release; audited', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  for (const name of ['v1', 'v2']) {
    if (name !== 'v1') await repo.commit(name);
    const r = await runScript(PILOT, ['--json'], repo.root);
    assert.equal(r.code, 0, r.all);
  }
  const noReason = await runScript(PILOT_SCRIPT, ['lock', 'hold', '--env', 'staging'], repo.root);
  assert.equal(noReason.code, 2, noReason.all);
  assert.match(noReason.stderr, /--reason is required/);

  const hold = await runScript(
    PILOT_SCRIPT,
    ['lock', 'hold', '--env', 'staging', '--reason', 'incident 42: checkout errors'],
    repo.root,
  );
  assert.equal(hold.code, 0, hold.all);
  assert.match(hold.stdout, /froze staging: every deployment is refused/);
  const status = await runScript(PILOT_SCRIPT, ['lock', 'status', '--env', 'staging'], repo.root);
  assert.match(status.stdout, new RegExp(`frozen by ${userInfo().username}@.* incident 42: checkout errors`));

  await repo.commit('v3');
  const refused = await runScript(PILOT, [], repo.root);
  assert.equal(refused.code, 3, refused.all);
  assert.match(
    refused.stderr,
    new RegExp(
      `deployment freeze: environment staging is frozen by ${userInfo().username}@[^ ]+ since .*: incident 42: checkout errors`,
    ),
  );
  // The way back stays open during a freeze.
  const back = await runScript(PILOT, ['--yes'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(back.code, 0, back.all);

  const release = await runScript(
    PILOT_SCRIPT,
    ['lock', 'release', '--env', 'staging', '--reason', 'incident 42 resolved'],
    repo.root,
  );
  assert.equal(release.code, 0, release.all);
  assert.match(release.stdout, /lifted the freeze on staging .*incident 42: checkout errors/);
  const deployed = await runScript(PILOT, [], repo.root);
  assert.equal(deployed.code, 0, deployed.all);

  const audit = (await readFile(join(repo.root, '.pilot', 'audit.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const events = audit.filter((e) => String(e.event).startsWith('lock.freeze'));
  assert.deepEqual(
    events.map((e) => [e.event, e.reason]),
    [
      ['lock.freeze_held', 'incident 42: checkout errors'],
      ['lock.freeze_released', 'incident 42 resolved'],
    ],
  );
});
