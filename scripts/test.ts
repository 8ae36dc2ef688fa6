#!/usr/bin/env tsx
// `pnpm test`: installs missing system packages (as root), runs lint, typecheck and every package's tests through turbo,
// and ends with one aggregated line: "N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { ensureSystemDeps } from './lib/system-deps.ts';

// One tsc program and one biome run over every package and script: per-package runs re-checked the shared sources
// (orchestrator's typecheck alone reads most of the repository), ~150 s of CPU more.
const CHECKS = ['lint-all', 'typecheck-all'];
const OUTPUT = ['--log-prefix=none', '--output-logs=full', '--continue'];
// Most of the suite's time is the orchestrator's end-to-end tests; turbo would start them after every other task, so
// they start first (builds done) and everything else runs beside them.
const LONGEST = '@pilot/orchestrator';

const totals = { pass: 0, fail: 0, skipped: 0 };
// Turbo's "Failed: a#b, c#d" summary, repeated at the end: a failed lint or typecheck counts no test.
const failedTasks: string[] = [];
const count = (line: string) => {
  const failed = /^\s*Failed:\s+(.+)$/.exec(line);
  if (failed) failedTasks.push(...failed[1].split(/,\s*/));
  // node's test runner ends each run with "ℹ pass N" (spec reporter) or "# pass N" (TAP).
  const match = /^(?:ℹ|#) (pass|fail|skipped) (\d+)$/.exec(line.trim());
  if (match) totals[match[1] as keyof typeof totals] += Number(match[2]);
};

/** One turbo run, its output passed through and counted; resolves to its exit code. */
function turbo(args: string[]): Promise<number> {
  const child = spawn('turbo', ['run', ...args, ...OUTPUT], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(count);
  });
  child.stderr.pipe(process.stderr);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      count(pending);
      resolve(code ?? 1);
    }),
  );
}

async function main(extra: string[]): Promise<number> {
  // Extra arguments (a --filter, one task) go to one turbo run as given.
  if (extra.length > 0) return turbo([...CHECKS, 'test', '--concurrency=2', ...extra]);
  const built = await turbo(['build']);
  const [longest, rest] = await Promise.all([
    turbo(['test', `--filter=${LONGEST}`, '--only']),
    turbo([...CHECKS, '--only', '--concurrency=1']).then(async (checks) =>
      Math.max(checks, await turbo(['test', `--filter=!${LONGEST}`, '--only', '--concurrency=1'])),
    ),
  ]);
  return Math.max(built, longest, rest);
}

await ensureSystemDeps();
const code = await main(process.argv.slice(2));
if (failedTasks.length > 0) console.log(`\nfailed tasks: ${failedTasks.join(', ')}`);
console.log(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exitCode = code;
