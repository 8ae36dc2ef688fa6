import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPolicyCheck } from '../run-policy-check.ts';
import { cleanWorkspace, fixtureRepo } from '../testing/fixture-repo.ts';

test('deny-list: a clean workspace passes', async (t) => {
  const dir = await fixtureRepo(t, cleanWorkspace);
  const report = await runPolicyCheck(dir, { only: ['deny-list'] });
  assert.deepEqual(report.findings, []);
  assert.equal(report.checks[0].status, 'pass');
});

test('deny-list: a denied direct dependency (scoped glob) and a transitive one in the lockfile are reported with file:line', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'packages/a/package.json': JSON.stringify(
      { name: '@fixture/a', dependencies: { undici: '^7.0.0' }, devDependencies: { '@slack/webhook': '^7.0.0' } },
      null,
      2,
    ),
    'pnpm-lock.yaml':
      "lockfileVersion: '9.0'\npackages:\n  undici@7.1.0:\n    resolution: {integrity: sha512-AAAA}\n  '@slack/webhook@7.0.5':\n    resolution: {integrity: sha512-BBBB}\n  request@2.88.2(encoding@0.1.13):\n    resolution: {integrity: sha512-CCCC}\n",
  });
  const report = await runPolicyCheck(dir, { only: ['deny-list'] });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.findings.map((f) => [f.rule, f.file, f.line]),
    [
      ['deny-list/dependency', 'packages/a/package.json', 7],
      ['deny-list/lockfile', 'pnpm-lock.yaml', 5],
      ['deny-list/lockfile', 'pnpm-lock.yaml', 7],
    ],
  );
  assert.match(report.findings[0].message, /devDependencies has @slack\/webhook, denied by "@slack\/\*": use webhooks/);
  assert.match(report.findings[2].message, /request@2\.88\.2/);
});

test('deny-list: packages outside the workspace globs are not read; the root package.json is', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'examples/x/package.json': JSON.stringify({ name: 'x', dependencies: { request: '*' } }),
    'package.json': JSON.stringify({ name: 'fixture', private: true, dependencies: { '@slack/bolt': '^4' } }),
  });
  const report = await runPolicyCheck(dir, { only: ['deny-list'] });
  assert.deepEqual(
    report.findings.map((f) => f.file),
    ['package.json'],
  );
});
