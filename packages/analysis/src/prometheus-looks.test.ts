import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger, freePort, openEnv } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { startDemo } from '@pilot/demo-app/testing';
import { analyseStep } from './analyse-step.ts';

const quiet = () => new Logger({ format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });

// A canary step on a command target whose judge reads Prometheus at `url` (none: the config names no URL).
async function canaryStep(t: Parameters<typeof tempDir>[0], url?: string) {
  const demo = await startDemo();
  t.after(() => demo.stop());
  const dir = await tempDir(t);
  const prometheus = {
    ...(url ? { url } : {}),
    requests: 'http_requests_total{version="{version}"}',
    errors: 'http_requests_total{version="{version}",code=~"5.."}',
    latency: 'http_request_duration_seconds_bucket{version="{version}"}',
  };
  const target = { kind: 'command', shift: ['true'], rollback: ['true'] };
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default ${JSON.stringify({ service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: demo.port, target, rules: ['none'], prometheus } } })};\n`,
  );
  await mkdir(join(dir, 'policies'));
  await writeFile(join(dir, 'policies', 'rules.yaml'), 'none: []\n');
  const ctx = await openEnv(dir, 'staging');
  const release = (version: string) => ({ version, commit: 'c0ffee', dir });
  return analyseStep({
    phase: 'canary',
    step: { name: 'analyse-25', weight: 25 },
    candidate: release('v2'),
    stable: release('v1'),
    baseUrl: demo.url,
    candidateUrl: demo.url,
    holdMs: 600,
    intervalMs: 200,
    signal: new AbortController().signal,
    root: dir,
    ctx,
    log: quiet(),
    judge: { kind: 'sequential' },
  });
}

test('command target, no Prometheus URL in the config nor PILOT_PROMETHEUS_URL: the step is inconclusive and says what to set', async (t) => {
  const saved = process.env.PILOT_PROMETHEUS_URL;
  delete process.env.PILOT_PROMETHEUS_URL;
  t.after(() => {
    if (saved !== undefined) process.env.PILOT_PROMETHEUS_URL = saved;
  });
  const verdict = await canaryStep(t);
  assert.equal(verdict.decision, 'inconclusive');
  assert.match(
    String(verdict.reasons[0].detail),
    /^0 candidate and 0 stable requests in analyse-25 \(from Prometheus: no Prometheus URL: set environments\.staging\.prometheus\.url or PILOT_PROMETHEUS_URL\), at least 10 each needed$/,
  );
});

test('command target, Prometheus unreachable: the step is inconclusive (a pause, never a pass) and names the address', async (t) => {
  const verdict = await canaryStep(t, `http://127.0.0.1:${await freePort()}`);
  assert.equal(verdict.decision, 'inconclusive');
  assert.match(
    String(verdict.reasons[0].detail),
    /\(from Prometheus: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)\)/,
  );
});
