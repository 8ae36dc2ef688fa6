// Backup benchmark on a generated ~700 MB tree: ours vs `tar | gzip -n | sha256sum` and the same with pigz -p2, time
// and peak RSS; verify throughput vs `sha256sum -c` + `gzip -t`. Rounds interleaved, order alternating, medians kept.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, onPath, shell, writeBenchResult } from '@pilot/core';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const SMALL = Number(process.env.BENCH_SMALL_FILES ?? 20_000);
// One run each is at the mercy of whatever else the machine does meanwhile (and of which tool ran first).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// What `pnpm backup-dhash` runs (the root package.json script line, flags included), so that is what is measured.
const SCRIPT_LINE = (
  JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts['backup-dhash'];
const work = await mkdtemp(join(tmpdir(), 'pilot-backup-bench-'));
const src = join(work, 'tree');
const out = join(work, 'out');

interface Run {
  seconds: number;
  rssMB: number;
}

try {
  // 20k small text files (~4 KB), 3 × 150 MB random (incompressible), 1 × 170 MB compressible text.
  for (let d = 0; d < SMALL / 500; d++) {
    await mkdir(join(src, `dir${d}`), { recursive: true });
    for (let f = 0; f < 500; f++) await writeFile(join(src, `dir${d}`, `file${f}.txt`), `line ${d}/${f} `.repeat(300));
  }
  for (let i = 0; i < 3; i++) await writeFile(join(src, `random${i}.bin`), randomBytes(150 * 2 ** 20));
  await writeFile(
    join(src, 'text.log'),
    Buffer.from('2026-11-22T00:00:00Z INFO request served in 12ms path=/api/hello\n'.repeat(2_700_000)),
  );
  const mb = Number((await shell()`du -sb ${src}`).stdout.split('\t')[0]) / 1e6;
  console.log(
    `tree: ${mb.toFixed(0)} MB, ${SMALL + 4} files; ours is \`${SCRIPT_LINE}\`; ${ROUNDS} interleaved rounds`,
  );
  await shell()`sync`;

  // Each process of a command under /usr/bin/time; peak RSS is the sum of their peaks (a pipeline's stages run together).
  const rssFile = join(work, 'rss');
  const t = ['/usr/bin/time', '-a', '-o', rssFile, '-f', '%M'];
  // Streamed, not kept: the stages pass hundreds of MB to each other.
  const $$ = shell({
    cwd: REPO,
    buffer: false,
    env: { PATH: `${join(REPO, 'node_modules', '.bin')}:${process.env.PATH}` },
  });
  const timed = async (label: string, run: () => Promise<unknown>): Promise<Run> => {
    const started = performance.now();
    await run().catch((error: { exitCode?: number; stderr?: string }) => {
      throw new Error(`${label} failed (exit ${error.exitCode}): ${error.stderr}`);
    });
    const seconds = (performance.now() - started) / 1000;
    const rssMB =
      (await readFile(rssFile, 'utf8'))
        .trim()
        .split('\n')
        .reduce((sum, kb) => sum + Number(kb), 0) / 1024;
    await rm(rssFile);
    console.log(`${label.padEnd(28)} ${seconds.toFixed(2)} s  peak RSS ${rssMB.toFixed(0)} MB`);
    return { seconds, rssMB };
  };
  const tar = [
    ...t,
    'tar',
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    src,
    '-cf',
    '-',
    '.',
  ];
  // `node --max-semi-space-size=1 scripts/cli.mjs backup-dhash`: words without quotes, so a split is exact.
  const pilotBackup = SCRIPT_LINE.split(' ');
  const tools: Record<string, () => Promise<Run>> = {
    ours: async () => {
      await rm(out, { recursive: true, force: true });
      return timed('pilot backup-dhash', () => $$`${t} ${pilotBackup} ${src} --out ${out} --name bench`);
    },
    // The reference pipelines in one zx command, joined by the shell's own pipes: zx's .pipe() relays every byte
    // through this process (tar | pigz -p2 | sha256sum of 450 MB here: 25.6 s against 19.1 s, medians of 3, and ~2 s
    // of this process's CPU), which would slow down what Pilot is compared with.
    gzip: () => timed('tar | gzip -n | sha256sum', () => $$`${tar} | ${t} gzip -n -6 | ${t} sha256sum`),
    ...(onPath('pigz')
      ? { pigz: () => timed('tar | pigz -p2 | sha256sum', () => $$`${tar} | ${t} pigz -p2 -n -6 | ${t} sha256sum`) }
      : {}),
  };
  const backups = await interleave(tools);
  const archive = join(out, (await readdir(out)).find((n) => n.endsWith('.tar.gz'))!);
  const sidecars = (await readdir(out)).filter((n) => n.endsWith('.sha256'));
  const verifies = await interleave({
    ours: () => timed('pilot verify', () => $$`${t} ${pilotBackup} verify ${archive}`),
    reference: () =>
      timed('sha256sum -c + gzip -t', async () => {
        await $$({ cwd: out })`${t} sha256sum -c --strict ${sidecars}`;
        await $$`${t} gzip -t ${archive}`;
      }),
  });

  const ours = medianRun(backups.ours);
  const gzipRef = medianRun(backups.gzip);
  const pigzRef = backups.pigz ? medianRun(backups.pigz) : undefined;
  const oursRssMax = Math.max(...backups.ours.map((r) => r.rssMB));
  const ratioPigz = pigzRef ? ours.seconds / pigzRef.seconds : Number.NaN;
  const verifyOurs = medianRun(verifies.ours).seconds;
  const verifyRef = medianRun(verifies.reference).seconds;
  const runs = (list: Run[], key: keyof Run) => list.map((r) => r[key].toFixed(key === 'seconds' ? 2 : 0)).join(', ');
  console.log(
    `medians of ${ROUNDS}: ours ${ours.seconds.toFixed(2)} s / ${ours.rssMB.toFixed(0)} MB (max ${oursRssMax.toFixed(0)} MB); ours/pigz ${ratioPigz.toFixed(2)}×, ours/gzip ${(ours.seconds / gzipRef.seconds).toFixed(2)}×; verify ${(mb / verifyOurs).toFixed(0)} MB/s vs ${(mb / verifyRef).toFixed(0)} MB/s`,
  );
  await writeBenchResult(REPO, {
    name: 'backup',
    description: `backup of a generated ${mb.toFixed(0)} MB tree (${SMALL} small files, 450 MB incompressible, 170 MB text) by \`${SCRIPT_LINE}\` against tar|gzip and tar|pigz -p2, and verify against sha256sum -c + gzip -t: medians of ${ROUNDS} interleaved rounds (order alternating); a pipeline's peak RSS is the sum of its processes' peaks`,
    figures: {
      treeMB: Math.round(mb),
      oursSeconds: round(ours.seconds),
      tarGzipSeconds: round(gzipRef.seconds),
      tarPigzSeconds: pigzRef ? round(pigzRef.seconds) : 'pigz not installed',
      oursRuns: runs(backups.ours, 'seconds'),
      tarPigzRuns: backups.pigz ? runs(backups.pigz, 'seconds') : 'n/a',
      peakRssMB: Math.round(ours.rssMB),
      peakRssMaxMB: Math.round(oursRssMax),
      peakRssRuns: runs(backups.ours, 'rssMB'),
      tarGzipPeakRssMB: Math.round(gzipRef.rssMB),
      tarPigzPeakRssMB: pigzRef ? Math.round(pigzRef.rssMB) : 'n/a',
      verifyOursMBps: Math.round(mb / verifyOurs),
      verifyReferenceMBps: Math.round(mb / verifyRef),
    },
    ratios: {
      'ours/tar|gzip time': ours.seconds / gzipRef.seconds,
      ...(pigzRef ? { 'ours/tar|pigz -p2 time': ratioPigz } : {}),
      'verify ours/reference time': verifyOurs / verifyRef,
    },
    targets: [
      ...(pigzRef
        ? [
            {
              name: 'backup time vs the pigz pipeline (medians)',
              target: '≤ 1.2×',
              actual: `${ratioPigz.toFixed(2)}×`,
              met: ratioPigz <= 1.2,
            },
          ]
        : []),
      {
        name: 'peak RSS (highest of the rounds)',
        target: '< 150 MB',
        actual: `${oursRssMax.toFixed(0)} MB`,
        met: oursRssMax < 150,
      },
    ],
  });
} finally {
  await rm(work, { recursive: true, force: true });
}

/** ROUNDS rounds of every tool, in turn, the order reversed every other round. */
async function interleave<K extends string>(tools: Record<K, () => Promise<Run>>): Promise<Record<K, Run[]>> {
  const names = Object.keys(tools) as K[];
  const results = Object.fromEntries(names.map((name) => [name, [] as Run[]])) as Record<K, Run[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) results[name].push(await tools[name]());
  }
  return results;
}

/** Median time and median peak RSS of the runs. */
function medianRun(runs: Run[]): Run {
  return { seconds: median(runs.map((r) => r.seconds)), rssMB: median(runs.map((r) => r.rssMB)) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
