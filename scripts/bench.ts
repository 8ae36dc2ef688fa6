#!/usr/bin/env tsx
// `pnpm bench`: runs every package's benchmark one at a time (they measure the machine), then prints one table
// from bench/results/*.json: each figure, ratio against the reference tool, and the targets.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, shell } from '@pilot/core';

const run = await shell({
  stdio: 'inherit',
  nothrow: true,
})`turbo run bench --log-prefix=none --output-logs=full --concurrency=1 --continue ${process.argv.slice(2)}`;
const dir = join(import.meta.dirname, '..', 'bench', 'results');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort();
console.log('\nBenchmark results (bench/results/*.json)');
for (const file of files) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResult & { measuredAt: string };
  console.log(`\n## ${result.name} — ${result.description} (${result.measuredAt})`);
  for (const [name, value] of Object.entries(result.figures)) console.log(`  ${name.padEnd(44)} ${value}`);
  for (const [name, value] of Object.entries(result.ratios))
    console.log(`  ratio ${name.padEnd(38)} ${value.toFixed(2)}×`);
  for (const target of result.targets)
    console.log(`  ${target.met ? 'MET ' : 'MISS'} ${target.name}: ${target.actual} (target ${target.target})`);
}
process.exitCode = run.exitCode ?? 1;
