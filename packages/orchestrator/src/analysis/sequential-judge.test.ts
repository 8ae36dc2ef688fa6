import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLoad } from '../demo/load.ts';
import { makeLocalRepo } from '../testing/local-repo.ts';
import { PILOT, runScript } from '../testing/repo.ts';

interface Entry {
  event: string;
  step?: string;
  state?: {
    judge?: {
      looks: number;
      sides: { candidate: { requests: number }; stable: { requests: number } };
      errorLogs: number[];
    };
  };
  reasons?: { test?: string }[];
}

test('the sequential judge on the local target: evidence journalled at every look, carried from step to step and across a kill + resume', async (t) => {
  const repo = await makeLocalRepo({
    config: {
      judge: { kind: 'sequential' },
      strategy: { kind: 'canary', steps: [25, 50, 100], analysisWindow: '2s', interval: '250ms' },
    },
  });
  t.after(() => repo.cleanup());
  await repo.commit('v1');
  const first = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(first.code, 0, first.all);
  await repo.commit('v2');
  const load = startLoad(`${repo.url}/api/hello`, 40);
  t.after(() => load.stop());
  // Killed once analyse-50 has judged its window, before the step is recorded as completed: resume runs it again.
  const killed = await runScript(PILOT, ['--json'], repo.root, { PILOT_TEST_KILL_AT: 'during:analyse-50' });
  assert.equal(killed.signal, 'SIGKILL', killed.all);
  const resumed = await runScript(PILOT, ['resume', '--json'], repo.root);
  assert.equal(resumed.code, 0, resumed.all);
  await load.stop();

  const dir = join(repo.root, '.pilot', 'deployments');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
  const journals = await Promise.all(
    files.map(async (f) =>
      (await readFile(join(dir, f), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Entry),
    ),
  );
  const journal = journals.find((entries) => entries.some((e) => e.event === 'deployment.resumed'))!;
  const looks = journal.filter((e) => e.event === 'analysis.evidence');
  const resumedAt = journal.findIndex((e) => e.event === 'deployment.resumed');
  const before = looks.filter((e) => journal.indexOf(e) < resumedAt);
  const after = looks.filter((e) => journal.indexOf(e) > resumedAt);
  const count = (e: Entry) => e.state!.judge!.looks;
  // Every look is journalled, numbered over the whole deployment: analyse-50 goes on from analyse-25's evidence.
  assert.ok(
    before.some((e) => e.step === 'analyse-25') && before.some((e) => e.step === 'analyse-50'),
    `looks before the kill: ${before.map((e) => e.step)}`,
  );
  assert.deepEqual(
    before.map(count),
    before.map((_, i) => i + 1),
  );
  // After the kill: the same evidence, not zero — the first look is the next one, with the earlier requests still counted.
  assert.ok(after.length > 0, 'looks after resume');
  assert.deepEqual(
    after.map(count),
    after.map((_, i) => before.length + i + 1),
  );
  // (a look needs new requests on either side, not necessarily the candidate's: a short first look may see stable's only)
  const total = (e: Entry) => e.state!.judge!.sides.candidate.requests + e.state!.judge!.sides.stable.requests;
  assert.ok(after[0].state!.judge!.sides.candidate.requests >= before.at(-1)!.state!.judge!.sides.candidate.requests);
  assert.ok(
    total(after[0]) > total(before.at(-1)!),
    `requests counted at the first look after resume: ${total(after[0])}, at the last before the kill: ${total(before.at(-1)!)}`,
  );
  // The verdict explains itself with the evidence of the whole deployment.
  const lastVerdict = journal.filter((e) => e.event === 'analysis.verdict').at(-1);
  assert.match(
    JSON.stringify(lastVerdict?.reasons),
    new RegExp(`anytime-valid: e=[^,]+, p≤[^ ]+ after ${before.length + after.length} looks`),
  );
  assert.ok(journal.some((e) => e.event === 'deployment.succeeded'));
});

test('the sequential judge rolls a failing canary back at the look that rejects, long before its window ends, and says why (no fixed rule on errors)', async (t) => {
  const repo = await makeLocalRepo({
    environment: { rules: ['judge-only'] },
    config: {
      judge: { kind: 'sequential' },
      strategy: { kind: 'canary', steps: [25, 100], analysisWindow: '20s', interval: '250ms' },
    },
  });
  t.after(() => repo.cleanup());
  // Only a rule that cannot fire in this test: the rollback has to come from the judge.
  await writeFile(
    join(repo.root, 'policies', 'rules.yaml'),
    'judge-only:\n  - { kind: failing_for, maxMs: 120000, severity: critical }\n',
  );
  await repo.commit('v1');
  const first = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(first.code, 0, first.all);
  // v2 answers its first requests (the smoke test), then fails every /api/hello.
  await repo.commit('v2', 200, 3);
  const load = startLoad(`${repo.url}/api/hello`, 40);
  t.after(() => load.stop());
  const result = await runScript(PILOT, ['--json'], repo.root);
  await load.stop();
  assert.equal(result.code, 1, result.all);
  const out = JSON.parse(result.stdout) as { deploymentId: string; outcome: string };
  assert.equal(out.outcome, 'rolled_back');
  const journal = (await readFile(join(repo.root, '.pilot', 'deployments', `${out.deploymentId}.jsonl`), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Entry & { ts: string; reason?: string });
  const started = journal.find((e) => e.event === 'step.started' && e.step === 'analyse-25')!;
  const rolledBack = journal.find((e) => e.event === 'deployment.rolled_back')!;
  const seconds = (Date.parse(rolledBack.ts) - Date.parse(started.ts)) / 1000;
  console.log(
    `# failing canary at 25%: rolled back by the sequential judge ${seconds} s after its analysis step started (window 20 s)`,
  );
  assert.ok(seconds < 10, `rolled back ${seconds} s into a 20 s window`);
  assert.match(rolledBack.reason ?? '', /analysis at analyse-25 says roll back: error_rate/);
  assert.match(JSON.stringify(rolledBack.reasons), /anytime-valid: e=[^,]+, p≤[^ ]+ after \d+ looks?/);
});
