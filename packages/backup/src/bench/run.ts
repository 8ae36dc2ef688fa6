// Backup benchmark on a generated ~700 MB tree: ours vs `tar | gzip -n | sha256sum` and the same with pigz -p2,
// time and peak RSS; verify throughput vs `sha256sum -c` + `gzip -t`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@pilot/core';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPT = join(REPO, 'scripts', 'backup-dhash.ts');
const SMALL = Number(process.env.BENCH_SMALL_FILES ?? 20_000);
const work = await mkdtemp(join(tmpdir(), 'pilot-backup-bench-'));
const src = join(work, 'tree');

try {
  // 20k small text files (~4 KB), 3 × 150 MB random (incompressible), 1 × 170 MB compressible text.
  for (let d = 0; d < SMALL / 500; d++) {
    await mkdir(join(src, `dir${d}`), { recursive: true });
    for (let f = 0; f < 500; f++) await writeFile(join(src, `dir${d}`, `file${f}.txt`), `line ${d}/${f} `.repeat(300));
  }
  for (let i = 0; i < 3; i++) await writeFile(join(src, `random${i}.bin`), randomBytes(150 * 2 ** 20));
  await writeFile(join(src, 'text.log'), Buffer.from('2026-11-22T00:00:00Z INFO request served in 12ms path=/api/hello\n'.repeat(2_700_000)));
  const du = Number(spawnSync('du', ['-sb', src], { encoding: 'utf8' }).stdout.split('\t')[0]);
  const mb = du / 1e6;
  console.log(`tree: ${(mb).toFixed(0)} MB, ${SMALL + 4} files`);
  spawnSync('sync');

  const timed = (label: string, cmd: string, args: string[]) => {
    const started = performance.now();
    const run = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 0) throw new Error(`${label} failed: ${run.stderr}`);
    console.log(`${label.padEnd(28)} ${seconds.toFixed(2)} s`);
    return { seconds, stdout: run.stdout };
  };
  const out = join(work, 'out');
  const ours = timed('pilot backup-dhash', 'bash', ['-c', `/usr/bin/env time -f 'maxrss_kb=%M' ${process.execPath} --import tsx ${SCRIPT} ${src} --out ${out} --name bench 2>&1 >/dev/null | tail -1`]);
  const rssMb = Number(/maxrss_kb=(\d+)/.exec(ours.stdout)?.[1] ?? Number.NaN) / 1024;
  const gzipRef = timed('tar | gzip -n | sha256sum', 'bash', ['-c', `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C ${src} -cf - . | gzip -n -6 | sha256sum`]);
  const pigz = spawnSync('sh', ['-c', 'command -v pigz'], { stdio: 'ignore' }).status === 0;
  const pigzRef = pigz ? timed('tar | pigz -p2 | sha256sum', 'bash', ['-c', `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C ${src} -cf - . | pigz -p2 -n -6 | sha256sum`]) : undefined;
  const archive = join(out, (await readdir(out)).find((n) => n.endsWith('.tar.gz'))!);
  const verifyOurs = timed('pilot verify', process.execPath, ['--import', 'tsx', SCRIPT, 'verify', archive]);
  const verifyRef = timed('sha256sum -c + gzip -t', 'bash', ['-c', `cd ${out} && sha256sum -c --strict *.sha256 && gzip -t ${archive}`]);
  const ratioPigz = pigzRef ? ours.seconds / pigzRef.seconds : Number.NaN;
  console.log(`peak RSS ${rssMb.toFixed(0)} MB; ours/pigz ${ratioPigz.toFixed(2)}×, ours/gzip ${(ours.seconds / gzipRef.seconds).toFixed(2)}×; verify ${(mb / verifyOurs.seconds).toFixed(0)} MB/s vs ${(mb / verifyRef.seconds).toFixed(0)} MB/s`);
  await writeBenchResult(REPO, {
    name: 'backup',
    description: `backup of a generated ${mb.toFixed(0)} MB tree (${SMALL} small files, 450 MB incompressible, 170 MB text) against tar|gzip and tar|pigz -p2 in the same run; verify against sha256sum -c + gzip -t`,
    figures: {
      treeMB: Math.round(mb),
      oursSeconds: round(ours.seconds),
      tarGzipSeconds: round(gzipRef.seconds),
      tarPigzSeconds: pigzRef ? round(pigzRef.seconds) : 'pigz not installed',
      peakRssMB: Math.round(rssMb),
      verifyOursMBps: Math.round(mb / verifyOurs.seconds),
      verifyReferenceMBps: Math.round(mb / verifyRef.seconds),
    },
    ratios: { 'ours/tar|gzip time': ours.seconds / gzipRef.seconds, ...(pigzRef ? { 'ours/tar|pigz -p2 time': ratioPigz } : {}), 'verify ours/reference time': verifyOurs.seconds / verifyRef.seconds },
    targets: [
      ...(pigzRef ? [{ name: 'backup time vs the pigz pipeline', target: '≤ 1.2×', actual: `${ratioPigz.toFixed(2)}×`, met: ratioPigz <= 1.2 }] : []),
      { name: 'peak RSS', target: '< 150 MB', actual: `${rssMb.toFixed(0)} MB`, met: rssMb < 150 },
    ],
  });
} finally {
  await rm(work, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
