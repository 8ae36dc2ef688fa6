import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPolicyCheck } from '../run-policy-check.ts';
import { cleanWorkspace, fixtureRepo } from '../testing/fixture-repo.ts';

const violating = `name: deploy
on: push
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: someone/action@main
      - uses: docker://alpine:3.20
      - uses: ./local-action
      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020
  ship:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: write
      id-token: write
    steps:
      - run: pnpm exec turbo run lint no-such-task && pnpm no-such-script
      - run: pnpm install && pnpm run lint && pnpm --filter x anything
`;

test('workflows: the clean fixture passes every workflow rule, actionlint and the task-name check', async (t) => {
  const dir = await fixtureRepo(t, cleanWorkspace);
  const report = await runPolicyCheck(dir, { only: ['workflows'] });
  assert.deepEqual(report.findings, []);
});

test('workflows: each rule reports its violation at the right line', async (t) => {
  const dir = await fixtureRepo(t, { ...cleanWorkspace, '.github/workflows/deploy.yml': violating });
  const report = await runPolicyCheck(dir, { only: ['workflows'] });
  const own = report.findings.filter((f) => f.rule !== 'workflow/actionlint');
  assert.deepEqual(
    own.map((f) => `${f.line} ${f.rule}`),
    [
      '2 workflow/concurrency',
      '3 workflow/permissions',
      '5 workflow/timeout',
      '8 workflow/pinned-action',
      '9 workflow/pinned-action',
      '10 workflow/pinned-action',
      '17 workflow/permissions',
      '20 workflow/unknown-task',
      '20 workflow/unknown-task',
    ],
  );
  const text = own.map((f) => f.message).join('\n');
  assert.match(
    text,
    /actions\/checkout@v4 is not pinned to a full commit SHA — use actions\/checkout@<40-hex sha> # v4/,
  );
  assert.match(text, /docker:\/\/alpine:3\.20 must be pinned to an image digest/);
  assert.match(text, /permissions: write-all — list the scopes/);
  assert.match(
    text,
    /job ship grants contents: write, which policies\/workflow-rules\.yaml does not allow for deploy\.yml/,
  );
  assert.doesNotMatch(text, /id-token/, 'id-token: write is allowed for deploy.yml');
  assert.match(text, /turbo run no-such-task: no task "no-such-task" in turbo\.json/);
  assert.match(text, /pnpm no-such-script: no script "no-such-script" in the root package\.json/);
  assert.doesNotMatch(text, /anything|install/, 'builtins and --filter calls are not root scripts');
});

test('workflows: missing permissions, top-level write and reusable-workflow jobs', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    '.github/workflows/a.yml':
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    timeout-minutes: 1\n    steps:\n      - run: echo\n',
    '.github/workflows/b.yml':
      'on: push\npermissions:\n  contents: write\njobs:\n  call:\n    uses: org/repo/.github/workflows/w.yml@v1\n',
  });
  const report = await runPolicyCheck(dir, { only: ['workflows'] });
  const own = report.findings.filter((f) => f.rule !== 'workflow/actionlint');
  assert.deepEqual(
    own.map((f) => `${f.file}:${f.line} ${f.rule}`),
    [
      '.github/workflows/a.yml:1 workflow/permissions',
      '.github/workflows/b.yml:3 workflow/permissions',
      '.github/workflows/b.yml:6 workflow/pinned-action',
    ],
  );
  assert.match(own[0].message, /job\(s\) x declare none/);
  assert.match(own[1].message, /top-level permissions grant contents: write/);
});

test('workflows: actionlint errors and broken YAML are findings with file:line', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub/shell expression, not a JS template
    '.github/workflows/lint.yml':
      'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 1\n    steps:\n      - run: echo ${{ github.no_such_thing }}\n',
    '.github/workflows/broken.yml': 'on: push\njobs: [\n',
  });
  const report = await runPolicyCheck(dir, { only: ['workflows'] });
  const lint = report.findings.find((f) => f.rule === 'workflow/actionlint' && f.file?.endsWith('lint.yml'));
  assert.equal(lint?.line, 8);
  assert.match(lint?.message ?? '', /no_such_thing.*\[expression\]/);
  assert.ok(report.findings.some((f) => f.rule === 'workflow/parse' && f.file?.endsWith('broken.yml')));
});
