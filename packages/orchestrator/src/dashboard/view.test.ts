import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JournalEntry } from '@pilot/core';
import { verdictsOf } from './view.ts';

const entry = (seq: number, event: string, fields: Record<string, unknown> = {}): JournalEntry => ({
  seq,
  ts: new Date(1_800_000_000_000 + seq * 5000).toISOString(),
  event,
  ...fields,
});
const evidence = (requests: number) => ({
  kind: 'sequential',
  looks: 3,
  sides: { stable: { requests, errors: 0 }, candidate: { requests: requests / 4, errors: 2 } },
  maxErrorE: 4,
  maxLatencyE: 1,
});

test('verdicts from a journal: each step with its evidence (the judge: test, p-value, samples), a rollback without a verdict line, the step still watched', () => {
  const journal = [
    entry(0, 'step.started', { step: 'analyse-20' }),
    entry(1, 'analysis.evidence', { step: 'analyse-20', state: { judge: evidence(400) } }),
    entry(2, 'analysis.verdict', {
      step: 'analyse-20',
      decision: 'continue',
      reasons: [{ rule: 'error_rate', observed: 0.01, threshold: 0.05 }],
    }),
    entry(3, 'step.started', { step: 'analyse-50' }),
    entry(4, 'analysis.evidence', { step: 'analyse-50', state: { judge: evidence(800) } }),
  ];
  const [first, watching] = verdictsOf(journal);
  assert.deepEqual([first.step, first.decision], ['analyse-20', 'continue']);
  assert.deepEqual(first.reasons[0], { rule: 'error_rate', observed: 0.01, threshold: 0.05 });
  assert.deepEqual([first.reasons[1].pValue, first.reasons[1].samples], [0.25, 'stable 400 / candidate 100']);
  assert.deepEqual(
    [watching.step, watching.decision, watching.reasons[0].samples],
    ['analyse-50', 'watching', 'stable 800 / candidate 200'],
  );

  // An older journal: the rollback's reasons are the verdict; journalled twice, it is shown once.
  const rolledBack = verdictsOf([
    entry(0, 'step.started', { step: 'analyse-5' }),
    entry(1, 'analysis.verdict', {
      step: 'analyse-5',
      decision: 'rollback',
      reasons: [{ rule: 'availability', observed: 0.4, threshold: 0.95 }],
    }),
    entry(1, 'deployment.rolled_back', { reasons: [{ rule: 'availability', observed: 0.4, threshold: 0.95 }] }),
  ]);
  assert.equal(rolledBack.length, 1);
  assert.deepEqual(
    verdictsOf([
      entry(0, 'step.started', { step: 'smoke' }),
      entry(1, 'deployment.rolled_back', { reasons: [{ rule: 'hello' }] }),
    ]).map((v) => [v.step, v.decision]),
    [['smoke', 'rollback']],
  );
});
