#!/usr/bin/env tsx
// `pnpm test`: installs missing system packages (as root), runs lint, typecheck and every package's tests through turbo,
// and ends with one aggregated line: "N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { ensureSystemDeps } from './lib/system-deps.ts';

ensureSystemDeps();
const turboArgs = ['run', 'lint', 'typecheck', 'lint-scripts', 'typecheck-scripts', 'test', '--log-prefix=none', '--output-logs=full', '--concurrency=2', '--continue', ...process.argv.slice(2)];
const child = spawn('turbo', turboArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
const totals = { pass: 0, fail: 0, skipped: 0 };
let pending = '';
const count = (line: string) => {
  // node's test runner ends each run with "ℹ pass N" (spec reporter) or "# pass N" (TAP).
  const match = /^(?:ℹ|#) (pass|fail|skipped) (\d+)$/.exec(line.trim());
  if (match) totals[match[1] as keyof typeof totals] += Number(match[2]);
};
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  const lines = (pending + chunk.toString('utf8')).split('\n');
  pending = lines.pop() ?? '';
  lines.forEach(count);
});
child.stderr.pipe(process.stderr);
child.on('close', (code) => {
  count(pending);
  console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
  process.exitCode = code ?? 1;
});
