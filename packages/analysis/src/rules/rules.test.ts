import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '@pilot/core/testing';
import { type Sample, evaluateRules } from './evaluate.ts';
import { loadRuleSets } from './rules.ts';

const ok = (n: number): Sample[] => Array.from({ length: n }, (_, i) => [i, 200, 20] as Sample);

test("the repository's rule sets load: the brief's production and canary defaults", async () => {
  const production = await loadRuleSets(repoRoot, ['production']);
  assert.deepEqual(
    production.map((r) => r.kind),
    ['consecutive_failures', 'success_rate', 'p95_latency', 'error_rate', 'cpu_percent', 'memory_percent'],
  );
  const canary = await loadRuleSets(repoRoot, ['canary']);
  assert.deepEqual(
    canary.map((r) => r.kind),
    ['error_rate', 'p95_latency', 'availability', 'failing_for', 'cpu_percent', 'memory_percent'],
  );
});

test('a bad rule or an unknown set is a config error naming it', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'policies'));
  await writeFile(join(dir, 'policies', 'rules.yaml'), 'x:\n  - { kind: error_rate, max: 5 }\n');
  await assert.rejects(loadRuleSets(dir, ['x']), /x\[0\] .*max: Too big/);
  await assert.rejects(loadRuleSets(dir, ['y']), /no rule set "y" — it defines: x/);
});

test('each rule kind trips on its threshold and says what it saw', async () => {
  const rules = await loadRuleSets(repoRoot, ['production', 'canary']);
  const checks = [true, true, false, false, false].map((okay, i) => ({ ts: i * 70_000, ok: okay }));
  const samples: Sample[] = [...ok(90), ...Array.from({ length: 10 }, (_, i) => [i, 503, 6000] as Sample)];
  const findings = evaluateRules(rules, { checks, samples, cpuPercent: 95, memoryPercent: 10, windowMs: 300_000 });
  const breached = Object.fromEntries(findings.map((f) => [f.rule, f.breached]));
  assert.deepEqual(breached, {
    consecutive_failures: true,
    success_rate: true,
    p95_latency: true,
    error_rate: true,
    cpu_percent: true,
    memory_percent: false,
    availability: true,
    failing_for: true,
  });
  const errorRate = findings.find((f) => f.rule === 'error_rate')!;
  assert.deepEqual(
    {
      observed: errorRate.observed,
      threshold: errorRate.threshold,
      window: errorRate.window,
      severity: errorRate.severity,
    },
    { observed: 0.1, threshold: 0.05, window: '300s', severity: 'critical' },
  );
});

test('zero traffic is "no data", never a breach or a pass by accident', async () => {
  const rules = await loadRuleSets(repoRoot, ['canary']);
  const findings = evaluateRules(rules, { checks: [], samples: [], windowMs: 1000 });
  assert.ok(findings.every((f) => !f.breached));
  assert.deepEqual(
    findings.filter((f) => f.noData).map((f) => f.rule),
    ['error_rate', 'p95_latency', 'availability', 'cpu_percent', 'memory_percent'],
  );
});
