#!/usr/bin/env tsx
// `pnpm backup-dhash` — verified, reproducible backups: create (default), verify, list, restore, prune.
// package.json starts it as `node --max-semi-space-size=1 --import tsx`: V8 otherwise grows its young generation to
// 16 MiB semispaces while tsx and @pilot/core load (here and in tsx's loader thread) and keeps them through a backup
// that allocates little and briefly — ≈155 → ≈138 MB peak RSS on the bench tree (target < 150), no slower. It must be
// given at start-up: v8.setFlagsFromString() once the heap exists changes nothing (measured).
import { dirname, relative, resolve, sep } from 'node:path';
import {
  ExitCode,
  UsageError,
  defineCommand,
  loadConfig,
  openEnv,
  resolveEnvironment,
  runCli,
  stateDir,
  statePaths,
} from '@pilot/core';
import { RESTORE_LIMITS, createBackup, listBackups, pruneBackups, restoreBackup, verifyBackup } from '@pilot/backup';

function commonParent(paths: string[]): string {
  let parent = dirname(paths[0]);
  while (!paths.every((p) => p === parent || p.startsWith(parent.endsWith(sep) ? parent : parent + sep)))
    parent = dirname(parent);
  return parent;
}

const env = { type: 'string', placeholder: 'E', description: 'environment (default: staging)' } as const;

/** The backup folder: --out, else `.pilot/backups/<env>`. */
async function backupDir(cwd: string, envName: string | undefined, out: string | undefined) {
  if (out) return out;
  const { config, root } = await loadConfig(cwd);
  return statePaths(stateDir(root)).backups(resolveEnvironment(config, envName).name);
}

const create = defineCommand({
  name: 'backup-dhash',
  summary: 'back up the environment’s sources (or PATHs) into a verified, reproducible .tar.gz',
  usage: ['backup-dhash [--env E] [PATH…] [--out DIR] [--name NAME]'],
  operands: true,
  flags: {
    env,
    out: { type: 'string', placeholder: 'DIR', description: 'backup folder (default: .pilot/backups/<env>)' },
    name: { type: 'string', placeholder: 'NAME', description: 'archive name prefix (default: the environment)' },
  },
  examples: ['pnpm backup-dhash --env production', 'pnpm backup-dhash data/ config/ --out /srv/backups'],
  async run({ flags, positionals, cwd, log, signal, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    // PATH arguments are stored relative to the folder that holds them all; config paths relative to the repository.
    const root = positionals.length ? commonParent(positionals.map((p) => resolve(cwd, p))) : ctx.root;
    const paths = positionals.length
      ? positionals.map((p) => relative(root, resolve(cwd, p)) || '.')
      : ctx.env.backup.paths;
    const out = flags.out ?? ctx.paths.backups(ctx.envName);
    const backup = await createBackup({ root, paths, out, name: flags.name, envName: ctx.envName, log, signal });
    // The figures and checksum were logged as the backup completed (backup.completed): printed once, not again here.
    result(backup, `${backup.path}\n  check it: pnpm backup-dhash verify ${backup.path}`);
  },
});

const verify = defineCommand({
  name: 'backup-dhash verify',
  summary: 'check the checksum, the metadata and the whole archive; exit 1 naming what failed',
  usage: ['backup-dhash verify ARCHIVE…'],
  flags: {},
  async run({ positionals, result }) {
    if (positionals.length === 0) throw new UsageError('backup-dhash verify: name the archive(s) to verify');
    const results = [];
    for (const archive of positionals) results.push(await verifyBackup(archive));
    result(
      results,
      results
        .map((r) =>
          r.ok
            ? `✓ ${r.archive}: checksum, metadata and ${r.meta?.files} files verified`
            : `✗ ${r.archive}: ${r.problem}`,
        )
        .join('\n'),
    );
    return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.failed;
  },
});

const list = defineCommand({
  name: 'backup-dhash list',
  summary: 'complete backups of an environment, newest first',
  usage: ['backup-dhash list [--env E] [--out DIR]'],
  flags: { env, out: { type: 'string', placeholder: 'DIR', description: 'backup folder' } },
  async run({ flags, cwd, result }) {
    const backups = await listBackups(await backupDir(cwd, flags.env, flags.out));
    result(
      backups,
      backups.length
        ? backups
            .map(
              (b) =>
                `${b.path}  ${b.meta?.created ?? '?'}  ${b.meta?.files ?? '?'} files  ${b.meta?.git.commit?.slice(0, 12) ?? ''}`,
            )
            .join('\n')
        : 'no backups',
    );
  },
});

const restore = defineCommand({
  name: 'backup-dhash restore',
  summary: 'verify, extract safely beside the target, back up what it replaces, then swap',
  usage: ['backup-dhash restore ARCHIVE --to DIR [--max-ratio N] [--max-bytes N]'],
  flags: {
    to: { type: 'string', placeholder: 'DIR', description: 'folder to restore into (replaced atomically)' },
    'max-ratio': {
      type: 'string',
      placeholder: 'N',
      description: `refuse archives that expand more than N× (default ${RESTORE_LIMITS.maxRatio})`,
    },
    'max-bytes': {
      type: 'string',
      placeholder: 'N',
      description: `refuse archives larger than N bytes uncompressed (default ${RESTORE_LIMITS.maxBytes})`,
    },
  },
  async run({ flags, positionals, log, result }) {
    const [archive] = positionals;
    if (!archive) throw new UsageError('backup-dhash restore: name the archive to restore');
    if (!flags.to) throw new UsageError('backup-dhash restore: --to DIR is required (the folder to restore into)');
    const number = (value: string | undefined, flag: string) => {
      if (value === undefined) return undefined;
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0)
        throw new UsageError(`${flag} ${JSON.stringify(value)} must be a positive number`);
      return n;
    };
    const restored = await restoreBackup({
      archive,
      to: flags.to,
      maxRatio: number(flags['max-ratio'], '--max-ratio'),
      maxBytes: number(flags['max-bytes'], '--max-bytes'),
      log,
    });
    result(
      restored,
      `restored ${restored.files} files (${restored.bytes} bytes) into ${restored.to}${restored.emergencyBackup ? `\n  what was there is in ${restored.emergencyBackup}` : ''}`,
    );
  },
});

const prune = defineCommand({
  name: 'backup-dhash prune',
  summary: 'keep the newest N backups (never deleting the newest verified one)',
  usage: ['backup-dhash prune [--env E] [--keep N] [--out DIR]'],
  flags: {
    env,
    keep: {
      type: 'string',
      placeholder: 'N',
      description: 'how many to keep (default: environments.<env>.backup.keep)',
    },
    out: { type: 'string', placeholder: 'DIR', description: 'backup folder' },
  },
  async run({ flags, cwd, log, result }) {
    const ctx = await openEnv(cwd, flags.env, log);
    const keep = flags.keep === undefined ? ctx.env.backup.keep : Number(flags.keep);
    if (!Number.isInteger(keep) || keep < 1)
      throw new UsageError(`--keep ${JSON.stringify(flags.keep)} must be a whole number ≥ 1`);
    const pruned = await pruneBackups(flags.out ?? ctx.paths.backups(ctx.envName), keep);
    result(
      pruned,
      `removed ${pruned.removed.length}${pruned.keptVerified ? `; newest verified kept: ${pruned.keptVerified}` : ''}`,
    );
  },
});

await runCli({
  name: 'backup-dhash',
  summary: 'verified, reproducible backups',
  commands: { verify, list, restore, prune },
  default: create,
});
