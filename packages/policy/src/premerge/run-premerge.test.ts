import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv } from '@pilot/core/testing';
import { renderSummary, runPremerge } from './run-premerge.ts';
import { PREMERGE_STEPS, type PremergeStep } from './steps.ts';

const node = (code: string) => [process.execPath, '-e', code];
const audit = PREMERGE_STEPS.find((s) => s.id === 'audit')!;

test('premerge runs every step even after a failure, keeps the failed tail, and prints one summary', async () => {
  const steps: PremergeStep[] = [
    { id: 'ok', title: 'passes', command: node('console.log("fine")') },
    {
      id: 'bad',
      title: 'fails',
      command: node('for (let i = 0; i < 50; i++) console.log("line " + i); console.error("boom"); process.exit(3)'),
    },
    { id: 'later', title: 'still runs', command: node('') },
    { id: 'left-out', title: 'skipped one', command: node('process.exit(1)') },
    // The audit classifier on a stand-in that fails like pnpm audit does without the registry.
    {
      ...audit,
      command: node(
        'console.error(" ERR_PNPM_AUDIT_BAD_RESPONSE  The audit endpoint responded with 405"); process.exit(1)',
      ),
    },
  ];
  const seen: string[] = [];
  const report = await runPremerge({
    root: process.cwd(),
    steps,
    skip: ['left-out'],
    onStep: (e) => seen.push(`${e.phase}:${e.step.id}`),
  });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.results.map((r) => [r.id, r.status]),
    [
      ['ok', 'pass'],
      ['bad', 'fail'],
      ['later', 'pass'],
      ['left-out', 'skipped'],
      ['audit', 'unavailable'],
    ],
  );
  assert.deepEqual(seen, [
    'start:ok',
    'end:ok',
    'start:bad',
    'end:bad',
    'start:later',
    'end:later',
    'start:audit',
    'end:audit',
  ]);
  const bad = report.results[1];
  assert.equal(bad.exitCode, 3);
  assert.match(bad.tail ?? '', /line 49\nboom$/);
  assert.equal(bad.tail?.split('\n').length, 30);
  assert.match(report.results[4].note ?? '', /^unavailable offline \(ERR_PNPM_AUDIT_BAD_RESPONSE/);
  const summary = renderSummary(report.results);
  assert.match(summary, /✗ fails +fail/);
  assert.match(summary, /\? pnpm audit +unavailable .* unavailable offline/);
  assert.match(summary, /premerge: FAILED — bad$/);
});

test('premerge is OK when the only non-pass is an offline audit; a real audit failure fails it', async () => {
  const offline = await runPremerge({
    root: process.cwd(),
    steps: [{ ...audit, command: node('console.error("getaddrinfo ENOTFOUND registry.npmjs.org"); process.exit(1)') }],
  });
  assert.equal(offline.ok, true);
  assert.match(renderSummary(offline.results), /premerge: OK/);
  const vulnerable = await runPremerge({
    root: process.cwd(),
    steps: [{ ...audit, command: node('console.log("1 high severity vulnerability"); process.exit(1)') }],
  });
  assert.equal(vulnerable.ok, false);
});

test('premerge CLI: an unknown step is bad input (exit 2) listing the steps; --help lists them', async () => {
  const run = (...args: string[]) => shell({ nothrow: true })`${process.execPath} ${cliArgv('premerge')} ${args}`;
  const bad = await run('--skip', 'everything');
  assert.equal(bad.exitCode, 2);
  assert.match(
    bad.stderr,
    /--skip "everything" is not a step — steps: lint, typecheck, test, policy-check, etag, audit/,
  );
  const help = await run('--help');
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /--only STEP/);
});
