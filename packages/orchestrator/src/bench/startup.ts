// Start-up time of the commands an operator runs dozens of times in an incident (`pilot status`, `--help`), as
// `node <entry>` against the floor `node -e 0`; the reference is the same script transpiled by tsx at each start.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, writeBenchResult } from '@pilot/core';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const ROUNDS = 9;
const timeMs = (args: string[]) => {
  const started = performance.now();
  // spawnSync and no shell: the start-up time is the figure, so nothing else (bash, the event loop) is in the timing.
  const run = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'ignore' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`node ${args.join(' ')} exited ${run.status}`);
  return performance.now() - started;
};
const medianOf = (args: string[]) => {
  timeMs(args); // the first start may compile; the figure is every later start
  return median(Array.from({ length: ROUNDS }, () => timeMs(args)));
};

const compiled = ['scripts/cli.mjs', 'pilot'];
const transpiled = ['--import', 'tsx', 'scripts/pilot.ts'];
const floor = medianOf(['-e', '0']);
const figures = {
  floorMs: floor,
  helpMs: medianOf([...compiled, '--help']),
  statusMs: medianOf([...compiled, 'status']),
  tsxHelpMs: medianOf([...transpiled, '--help']),
  tsxStatusMs: medianOf([...transpiled, 'status']),
};
const r = (n: number) => Math.round(n);
const above = (n: number) => r(n - floor);
for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(12)} ${r(value)} ms`);

const file = await writeBenchResult(repoRoot, {
  name: 'startup',
  description: `median of ${ROUNDS} starts of \`node scripts/cli.mjs pilot status\` / \`--help\` (compiled JavaScript) against \`node -e 0\`, and the same script run by tsx`,
  figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, r(v)])),
  ratios: {
    'status compiled/tsx': figures.statusMs / figures.tsxStatusMs,
    'help compiled/tsx': figures.helpMs / figures.tsxHelpMs,
  },
  targets: [
    {
      name: 'pilot status above node -e 0',
      target: '< 500 ms',
      actual: `${above(figures.statusMs)} ms`,
      met: figures.statusMs - floor < 500,
    },
    {
      name: 'pilot --help above node -e 0',
      target: '< 500 ms',
      actual: `${above(figures.helpMs)} ms`,
      met: figures.helpMs - floor < 500,
    },
  ],
});
console.log(`written ${file}`);
