import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv } from '@pilot/core/testing';
import { RULES } from './finding.ts';
import { cleanWorkspace, fixtureRepo } from './testing/fixture-repo.ts';

const token = ['ghp', '_', 'Z9'.repeat(18)].join('');

async function run(cwd: string, ...args: string[]) {
  const result = await shell({
    cwd,
    nothrow: true,
    env: { NO_COLOR: '1' },
  })`${process.execPath} ${cliArgv('policy-check')} ${args}`;
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

test('policy-check CLI: exit 0 on a clean repo, exit 1 with file:line findings, JSON and SARIF 2.1.0; never prints the secret', async (t) => {
  const clean = await fixtureRepo(t, cleanWorkspace);
  const ok = await run(clean);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /policy-check: all policies pass/);

  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'packages/a/package.json': JSON.stringify(
      { name: '@fixture/a', dependencies: { '@slack/web-api': '^7' } },
      null,
      2,
    ),
    'src/leak.ts': `// config\nexport const token = '${token}';\n`,
  });
  const human = await run(dir);
  assert.equal(human.code, 1);
  assert.match(
    human.stdout,
    /✗ packages\/a\/package\.json:4 {2}deny-list\/dependency {2}dependencies has @slack\/web-api/,
  );
  assert.match(
    human.stdout,
    /✗ src\/leak\.ts:2 {2}secrets\/token {2}GitHub token \(github-token\) \[fingerprint [0-9a-f]{16}\]/,
  );
  assert.match(human.stdout, /policy-check: 2 violation\(s\)/);

  const json = await run(dir, '--json', '--sarif', 'out/policy.sarif');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.findings.map((f: { rule: string }) => f.rule),
    ['deny-list/dependency', 'secrets/token'],
  );
  const sarif = JSON.parse(await readFile(join(dir, 'out/policy.sarif'), 'utf8'));
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  const [run0] = sarif.runs;
  assert.equal(run0.tool.driver.name, 'pilot-policy-check');
  assert.deepEqual(
    run0.tool.driver.rules.map((r: { id: string }) => r.id),
    Object.keys(RULES),
  );
  assert.equal(run0.results.length, 2);
  const leak = run0.results[1];
  assert.equal(run0.tool.driver.rules[leak.ruleIndex].id, leak.ruleId);
  assert.deepEqual(leak.locations[0].physicalLocation, {
    artifactLocation: { uri: 'src/leak.ts', uriBaseId: '%SRCROOT%' },
    region: { startLine: 2, startColumn: 23 },
  });
  assert.match(leak.partialFingerprints.secretSha256Prefix, /^[0-9a-f]{16}$/);
  for (const output of [human.stdout, human.stderr, json.stdout, json.stderr, JSON.stringify(sarif)])
    assert.ok(!output.includes(token), 'the secret must never be printed');
});

test('policy-check CLI: bad flags and invalid policy data exit 2 with the fix', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'policies/workflow-rules.yaml': 'concurrencyRequired: deploy.yml\n',
  });
  const bad = await run(dir, '--only', 'everything');
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--only "everything" is not a check — use one of deny-list, workflows, required-files, secrets/,
  );
  const invalid = await run(dir);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /policies\/workflow-rules\.yaml: concurrencyRequired: /);
});
