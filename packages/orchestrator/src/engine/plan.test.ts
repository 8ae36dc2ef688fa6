import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environmentSchema, strategySchema } from '@pilot/core';
import { planSteps, weightsOf } from './plan.ts';

const env = environmentSchema.parse({ port: 8080, watch: '15m' });
const names = (steps: { name: string }[]) => steps.map((s) => s.name);

test('canary plan: shift → smoke (once) → analyse per weight, then promote, watch, finalize', () => {
  const steps = planSteps({ strategy: strategySchema.parse({ kind: 'canary' }), env, backup: true });
  assert.deepEqual(names(steps), [
    'build',
    'dry-run',
    'tag',
    'backup',
    'prepare',
    'shift-5',
    'smoke',
    'analyse-5',
    'shift-25',
    'analyse-25',
    'shift-50',
    'analyse-50',
    'promote',
    'watch',
    'finalize',
  ]);
  assert.deepEqual(weightsOf(steps), [5, 25, 50, 100]);
  assert.equal(steps.find((s) => s.kind === 'watch')?.holdMs, 15 * 60_000);
});

test('batch plan: `after` becomes a wait step before its shift; a pause step is kept; repeated weights get unique names', () => {
  const strategy = strategySchema.parse({
    kind: 'batch',
    steps: [5, { weight: 5, after: '6h' }, { pause: true }, 100],
    analysisWindow: '0s',
  });
  const steps = planSteps({ strategy, env: environmentSchema.parse({ port: 1, watch: 0 }), backup: false });
  assert.deepEqual(names(steps), [
    'build',
    'dry-run',
    'tag',
    'prepare',
    'shift-5',
    'smoke',
    'wait-2',
    'shift-5.2',
    'pause-3',
    'promote',
    'finalize',
  ]);
  assert.equal(steps.find((s) => s.kind === 'wait')?.afterMs, 6 * 3_600_000);
});

test('blue-green plan: candidate beside stable, smoke, pre-promotion analysis at 0%, switch', () => {
  const steps = planSteps({ strategy: strategySchema.parse({ kind: 'blue-green' }), env, backup: false });
  assert.deepEqual(names(steps), [
    'build',
    'dry-run',
    'tag',
    'prepare',
    'smoke',
    'analyse-0',
    'promote',
    'watch',
    'finalize',
  ]);
});

test('first deployment (nothing serves yet): promote, then smoke — there is no baseline to canary against', () => {
  const steps = planSteps({
    strategy: strategySchema.parse({ kind: 'canary' }),
    env,
    backup: false,
    firstDeploy: true,
  });
  assert.deepEqual(names(steps), ['build', 'dry-run', 'tag', 'prepare', 'promote', 'smoke', 'watch', 'finalize']);
});

test('a target that reaches the candidate on its own port (local router): smoke right after prepare, before any traffic, for every strategy', () => {
  const plan = (kind: string, firstDeploy = false) =>
    names(planSteps({ strategy: strategySchema.parse({ kind }), env, backup: false, firstDeploy, smokeFirst: true }));
  assert.deepEqual(plan('canary'), [
    'build',
    'dry-run',
    'tag',
    'prepare',
    'smoke',
    'shift-5',
    'analyse-5',
    'shift-25',
    'analyse-25',
    'shift-50',
    'analyse-50',
    'promote',
    'watch',
    'finalize',
  ]);
  assert.deepEqual(plan('blue-green'), [
    'build',
    'dry-run',
    'tag',
    'prepare',
    'smoke',
    'analyse-0',
    'promote',
    'watch',
    'finalize',
  ]);
  assert.deepEqual(plan('canary', true), [
    'build',
    'dry-run',
    'tag',
    'prepare',
    'smoke',
    'promote',
    'watch',
    'finalize',
  ]);
});
