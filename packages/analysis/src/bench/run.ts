// Judge quality on synthetic samples, and time to detect a dying service with a 1 s interval.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Logger, openEnv, writeBenchResult } from '@pilot/core';
import { startDemo } from '@pilot/demo-app/testing';
import { judgeCanary } from '../judge/judge.ts';
import { runMonitor } from '../monitor.ts';
import type { Sample } from '../rules/evaluate.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TRIALS = 1000;
const N = 200;

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(Math.random() + 1e-12)) * Math.cos(2 * Math.PI * Math.random());
}
// Latency: log-normal around 100 ms (sigma 0.3, a typical web service); errors: Bernoulli.
function side(medianMs: number, errorRate: number): Sample[] {
  return Array.from({ length: N }, (_, i) => [i, Math.random() < errorRate ? 500 : 200, medianMs * Math.exp(0.3 * gaussian())] as Sample);
}
function rate(stable: () => Sample[], candidate: () => Sample[], detected: (d: string) => boolean): number {
  let hits = 0;
  for (let i = 0; i < TRIALS; i++) if (detected(judgeCanary(stable(), candidate()).decision)) hits++;
  return hits / TRIALS;
}

const notPass = (d: string) => d !== 'pass';
const falsePositive = rate(() => side(100, 0.01), () => side(100, 0.01), notPass);
const latencyPower = rate(() => side(100, 0.01), () => side(120, 0.01), notPass);
const errorPower = rate(() => side(100, 0.01), () => side(100, 0.05), notPass);

// Time to detect: a real demo service killed while the monitor watches it every second (3 consecutive failures).
const demo = await startDemo();
const dir = await mkdtemp(join(tmpdir(), 'pilot-bench-'));
await writeFile(join(dir, 'pilot.config.ts'), `export default { service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { bench: { port: ${demo.port}, target: { kind: 'command', shift: ['true'], rollback: ['true'] }, rules: ['detect'] } } };\n`);
await mkdir(join(dir, 'policies'));
await writeFile(join(dir, 'policies', 'rules.yaml'), 'detect:\n  - { kind: consecutive_failures, max: 3, severity: critical }\n');
const ctx = await openEnv(dir, 'bench');
let killedAt = 0;
setTimeout(() => {
  killedAt = Date.now();
  demo.child.kill('SIGKILL');
}, 1500);
const quiet = new Logger({ format: 'json', stream: new Writable({ write: (_chunk, _enc, done) => done() }) });
const summary = await runMonitor({ ctx, log: quiet, durationMs: 30_000, intervalMs: 1000, signal: new AbortController().signal });
const detectMs = Date.now() - killedAt;
await demo.stop();
await rm(dir, { recursive: true, force: true });

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
console.log(`judge over ${TRIALS} trials, n=${N} per side: false positives ${pct(falsePositive)}, power +20% latency ${pct(latencyPower)}, power 1%→5% errors ${pct(errorPower)}`);
console.log(`time to detect (1 s interval, 3 consecutive failures): ${detectMs} ms, verdict ${summary.verdict}`);
await writeBenchResult(REPO, {
  name: 'analysis',
  description: `canary judge on synthetic log-normal latencies (sigma 0.3) and Bernoulli errors, ${TRIALS} trials, n=${N} per side; time to detect a killed demo service`,
  figures: { falsePositiveRate: falsePositive, powerLatency20pct: latencyPower, powerErrors1to5pct: errorPower, timeToDetectMs: detectMs },
  ratios: {},
  targets: [
    { name: 'false positives on identical distributions', target: '≤ 2%', actual: pct(falsePositive), met: falsePositive <= 0.02 },
    { name: 'power, +20% latency', target: '≥ 95%', actual: pct(latencyPower), met: latencyPower >= 0.95 },
    { name: 'power, 1% → 5% errors', target: '≥ 95%', actual: pct(errorPower), met: errorPower >= 0.95 },
    { name: 'time to detect, 1 s interval × 3 failures', target: '≤ 4000 ms', actual: `${detectMs} ms`, met: detectMs <= 4000 },
  ],
});
