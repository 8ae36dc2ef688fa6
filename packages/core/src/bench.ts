import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './fs/atomic-write.ts';

/** One benchmark's figures as `pnpm bench` collects them in bench/results/<name>.json. */
export interface BenchResult {
  name: string;
  /** What was measured, in a sentence. */
  description: string;
  figures: Record<string, number | string>;
  /** Ours against the reference tool measured in the same run, e.g. { 'router/haproxy rps': 0.82 }. */
  ratios: Record<string, number>;
  /** The targets and whether they were met. */
  targets: { name: string; target: string; actual: string; met: boolean }[];
}

/** The median of a benchmark's rounds: what the benches report, being steadier than one run. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Writes a benchmark result with machine info to `<repoRoot>/bench/results/<name>.json` and returns the path. */
export async function writeBenchResult(repoRoot: string, result: BenchResult): Promise<string> {
  const file = join(repoRoot, 'bench', 'results', `${result.name}.json`);
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
  await writeFileAtomic(
    file,
    `${JSON.stringify({ ...result, machine, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return file;
}
