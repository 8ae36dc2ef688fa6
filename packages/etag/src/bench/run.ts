// `pnpm --filter @pilot/etag bench`: our e-tag against find|sort|xargs sha256sum|sha256sum on one generated tree.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, shell, writeBenchResult } from '@pilot/core';
import { computeEtag } from '../compute-etag.ts';
import { generateTree } from './generate-tree.ts';

const FILES = Number(process.env.BENCH_ETAG_FILES ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ETAG_ROUNDS ?? 5);
const repoRoot = resolve(import.meta.dirname, '../../../..');

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const dir = await mkdtemp(join(tmpdir(), 'pilot-etag-bench-'));
try {
  process.stdout.write(`generating ${FILES} files in ${dir} … `);
  const bytes = await generateTree(dir, FILES);
  process.stdout.write(`${(bytes / 1e6).toFixed(0)} MB\n`);
  // One zx command, the shell's own pipes between the stages: zx's .pipe() would relay each byte through this process.
  const pipeline = () => shell({ cwd: dir })`find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum`;
  const ours = () => computeEtag(['.'], { cwd: dir, gitignore: false });
  // The same code hashing on the calling thread only: what the worker pool buys.
  const single = () => computeEtag(['.'], { cwd: dir, gitignore: false, workers: 0 });
  // One untimed round each so both read from a warm page cache.
  await pipeline();
  const check = await ours();
  if (check.files !== FILES) throw new Error(`e-tag saw ${check.files} files, expected ${FILES}`);
  const oursMs: number[] = [];
  const refMs: number[] = [];
  const singleMs: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    oursMs.push(await time(ours));
    refMs.push(await time(pipeline));
    singleMs.push(await time(single));
  }
  const o = median(oursMs);
  const r = median(refMs);
  const s = median(singleMs);
  const ratio = o / r;
  const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
  const fps = (ms: number) => FILES / (ms / 1000);
  const rows = [
    ['tool', 'median ms', 'MB/s', 'files/s'],
    ['pilot computeEtag', o.toFixed(0), mbps(o).toFixed(0), fps(o).toFixed(0)],
    ['computeEtag 1 thread', s.toFixed(0), mbps(s).toFixed(0), fps(s).toFixed(0)],
    ['find|sort|sha256sum', r.toFixed(0), mbps(r).toFixed(0), fps(r).toFixed(0)],
  ];
  for (const row of rows)
    console.log(
      `${row[0].padEnd(22)}${row
        .slice(1)
        .map((c) => c.padStart(11))
        .join('')}`,
    );
  console.log(
    `ratio ours/pipeline: ${ratio.toFixed(2)} (target ≤ 0.60) over ${ROUNDS} rounds, ${availableParallelism()} cores`,
  );
  const file = await writeBenchResult(repoRoot, {
    name: 'etag',
    description: `e-tag of a generated ${FILES}-file tree (${(bytes / 1e6).toFixed(0)} MB, warm cache) vs find -print0 | sort -z | xargs -0 sha256sum | sha256sum; median of ${ROUNDS}`,
    figures: {
      files: FILES,
      megabytes: Math.round(bytes / 1e6),
      oursMs: Math.round(o),
      pipelineMs: Math.round(r),
      oneThreadMs: Math.round(s),
      oursMBps: Math.round(mbps(o)),
      oursFilesPerSec: Math.round(fps(o)),
      pipelineMBps: Math.round(mbps(r)),
      pipelineFilesPerSec: Math.round(fps(r)),
    },
    ratios: {
      'etag/pipeline time': Number(ratio.toFixed(3)),
      'etag one thread/pipeline time': Number((s / r).toFixed(3)),
    },
    targets: [{ name: 'time vs pipeline', target: '≤ 0.6×', actual: `${ratio.toFixed(2)}×`, met: ratio <= 0.6 }],
  });
  console.log(`wrote ${file}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
