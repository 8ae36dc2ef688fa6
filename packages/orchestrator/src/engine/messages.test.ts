import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Sample, judgeCanary, verdictOf } from '@pilot/analysis';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openEnv, readJournal, statePaths } from '@pilot/core';
import { formatDeployResult } from '../commands/format.ts';
import type { AnalysisPort } from '../analysis/port.ts';
import { standInAnalysis } from '../testing/probe-analysis.ts';
import { FIXTURES, makeRepo, memoryLogger, runScript } from '../testing/repo.ts';
import { deploy } from './deploy.ts';

const samples = (n: number): Sample[] => Array.from({ length: n }, (_, i) => [i, 200, 10 + (i % 3)]);

test('an inconclusive canary prints counts as counts ("5 candidate requests, at least 10 needed"), not "observed 5" (the judge is real; its samples are made up)', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const { log } = memoryLogger();
  const ctx = await openEnv(repo.root, 'staging', log);
  const signal = new AbortController().signal;
  assert.equal((await deploy({ ctx, log, signal, analysis: standInAnalysis() })).outcome, 'succeeded');
  await repo.commit('v2');
  const analysis: AnalysisPort = {
    ...standInAnalysis(),
    analyse: async () => verdictOf(judgeCanary(samples(40), samples(5))),
  };
  const result = await deploy({ ctx, log, signal, analysis });
  assert.equal(result.exitCode, 4);
  const printed = formatDeployResult(result);
  assert.match(
    printed,
    /analysis at analyse-50 was inconclusive \(error_rate: 5 candidate requests, at least 10 needed\) — /,
  );
  assert.doesNotMatch(printed, /observed 5/);
});

test('an analysis window cut short by Ctrl-C is journalled as interrupted, never as a completed (passed) step', async (t) => {
  const repo = await makeRepo({
    serviceConfig: { metricsPath: false },
    strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '5s', interval: '200ms' },
  });
  t.after(() => repo.cleanup());
  const { log } = memoryLogger();
  const ctx = await openEnv(repo.root, 'staging', log);
  // The real analysis (rule sets over the stand-in service): it ends its window early when the signal aborts.
  const first = await deploy({ ctx, log, signal: new AbortController().signal });
  assert.equal(first.outcome, 'succeeded');
  await repo.commit('v2');
  const controller = new AbortController();
  const off = log.events.on((event) => {
    if (event.event === 'step.started' && event.msg === 'analyse-50') setTimeout(() => controller.abort('SIGINT'), 500);
  });
  t.after(off);
  await assert.rejects(deploy({ ctx, log, signal: controller.signal }), { name: 'InterruptedError' });
  // Ids sort by the second they started: the first deployment may share it, so the other journal is this one's.
  const [id] = (await readdir(statePaths(ctx.paths.root).deployments))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(0, -6))
    .filter((name) => name !== first.deploymentId);
  const { entries } = await readJournal(statePaths(ctx.paths.root).journal(id));
  assert.equal(
    entries.some((e) => e.event === 'step.completed' && e.step === 'analyse-50'),
    false,
    'the cut-short analysis is not a completed step',
  );
  assert.equal(
    entries.some((e) => e.event === 'analysis.verdict'),
    false,
  );
  const last = entries.at(-1)!;
  assert.equal(last.event, 'deployment.aborted');
  // Ctrl-C does not wait out the window (timed by the step itself: the build before it is slower on a loaded machine).
  assert.match(String(last.reason), /analyse-50 was interrupted after [0-3]s of its 5s analysis window/);
});

test('a lock refusal is printed once: the preflight refusal lists the held lock, no second error line repeats it', async (t) => {
  const repo = await makeRepo({
    strategy: { kind: 'canary', steps: [{ pause: true }, 100], analysisWindow: '600ms', interval: '200ms' },
  });
  t.after(() => repo.cleanup());
  const pilot = join(FIXTURES, 'pilot-stand-in.ts');
  assert.equal((await runScript(pilot, [], repo.root)).code, 0);
  await repo.commit('v2');
  assert.equal((await runScript(pilot, [], repo.root)).code, 4);
  await repo.commit('v3');
  const refused = await runScript(pilot, [], repo.root);
  assert.equal(refused.code, 3, refused.all);
  assert.equal(refused.stderr.match(/holds environment staging and is paused/g)?.length, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /preflight failed \(1 of \d+ checks\):\n {2}✗ environment lock: deployment \S+ holds environment staging and is paused — promote, resume or abort it/,
  );
});
