import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPolicyCheck } from '../run-policy-check.ts';
import { cleanWorkspace, fixtureRepo } from '../testing/fixture-repo.ts';

test('required-files: a missing file is named with the reason it is required', async (t) => {
  const { 'README.md': _readme, ...withoutReadme } = cleanWorkspace;
  const dir = await fixtureRepo(t, {
    ...withoutReadme,
    'policies/required-files.yaml':
      'files:\n  - { path: README.md, why: "how to run it" }\n  - { path: policies/deny-list.yaml, why: the deny-list }\n',
  });
  const report = await runPolicyCheck(dir, { only: ['required-files'] });
  assert.deepEqual(
    report.findings.map((f) => [f.rule, f.line, f.message]),
    [['required-files/missing', 2, 'README.md is missing (how to run it)']],
  );
});

test('a policy file that is invalid is bad input (exit 2) naming the file and field; a missing one skips its check', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'policies/deny-list.yaml': 'packages:\n  - { name: "@slack/*" }\n',
  });
  await assert.rejects(
    runPolicyCheck(dir),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && /policies\/deny-list\.yaml: packages\.0\.reason/.test(e.message),
  );
  const { 'policies/required-files.yaml': _gone, ...rest } = cleanWorkspace;
  const skipped = await runPolicyCheck(await fixtureRepo(t, rest), { only: ['required-files'] });
  assert.deepEqual(skipped.checks, [
    { name: 'required-files', status: 'skipped', findings: 0, note: 'no policies/required-files.yaml' },
  ]);
});
