#!/usr/bin/env tsx
// `pnpm generate-etag` — e-tags of folders and files, and the etags.json ledger (--record, --check).
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ExitCode, UsageError, defineCommand, findConfigFile, loadConfig, runCli } from '@pilot/core';
import { type CheckResult, type RecordResult, checkEtags, computeEtag, recordEtags } from '@pilot/etag';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

await runCli(
  defineCommand({
    name: 'generate-etag',
    summary: 'strong e-tags of folders and files; the etags.json ledger',
    usage: [
      'generate-etag PATH… [--ignore PATTERN]… [--json]',
      'generate-etag --record [--base REF]',
      'generate-etag --check [--base REF] [--json]',
    ],
    flags: {
      record: {
        type: 'boolean',
        description: 'recompute the tracked folders (config etag.folders) and bump seq where the tag changed',
      },
      check: {
        type: 'boolean',
        description:
          'fail (exit 1) when a tracked folder changed without a higher seq, or a seq went back against the base branch',
      },
      base: {
        type: 'string',
        placeholder: 'REF',
        description: 'base branch to compare with (default origin/main, else main)',
      },
      ignore: {
        type: 'string',
        multiple: true,
        placeholder: 'PATTERN',
        description: 'extra ignore pattern (gitignore syntax), added to config etag.ignore',
      },
    },
    examples: [
      'pnpm generate-etag packages/core',
      'pnpm generate-etag --record',
      'pnpm generate-etag --check --base origin/main',
    ],
    async run({ flags, positionals, cwd, log, result }) {
      if (flags.record && flags.check)
        throw new UsageError('generate-etag: --record and --check exclude each other — record first, then check');
      if ((flags.record || flags.check) && positionals.length > 0) {
        throw new UsageError(
          `generate-etag: --record/--check work on the configured folders; drop the paths (${positionals.join(' ')})`,
        );
      }
      if (flags.base && !flags.record && !flags.check)
        throw new UsageError('generate-etag: --base only applies with --record or --check');
      if (flags.record || flags.check) {
        const { config, root } = await loadConfig(cwd);
        if (config.etag.folders.length === 0)
          throw new UsageError('generate-etag: pilot.config.ts has no etag.folders — list the folders to track there');
        const options = {
          root,
          folders: config.etag.folders,
          ignore: [...config.etag.ignore, ...(flags.ignore ?? [])],
          ...(flags.base ? { base: flags.base } : {}),
        };
        if (flags.record) {
          const recorded = await recordEtags(options);
          result(recorded, () => renderRecord(recorded));
          return ExitCode.ok;
        }
        const checked = await checkEtags(options);
        result({ ok: checked.problems.length === 0, ...checked }, () => renderCheck(checked));
        return checked.problems.length === 0 ? ExitCode.ok : ExitCode.failed;
      }
      if (positionals.length === 0)
        throw new UsageError('generate-etag: name at least one PATH, or use --record / --check — see --help');
      // Ad-hoc tags still obey the repository's etag.ignore when there is a config.
      const configIgnore = findConfigFile(cwd) ? (await loadConfig(cwd)).config.etag.ignore : [];
      const results: { path: string; etag: string; files: number; bytes: number; skipped: string[]; ms: number }[] = [];
      for (const path of positionals) {
        const abs = resolve(cwd, path);
        const isDir = safeIsDir(abs, path);
        const started = performance.now();
        // A folder's tag depends only on what is inside it, so it is the same wherever the folder lives.
        const tag = await computeEtag([isDir ? '.' : basename(abs)], {
          cwd: isDir ? abs : dirname(abs),
          ignore: [...configIgnore, ...(flags.ignore ?? [])],
        });
        const ms = performance.now() - started;
        log.logMetrics('etag.computed', {
          path,
          files: tag.files,
          bytes: tag.bytes,
          ms: Math.round(ms),
          mbPerSec: Math.round(tag.bytes / 1e3 / Math.max(ms, 1)),
        });
        results.push({
          path,
          etag: tag.etag,
          files: tag.files,
          bytes: tag.bytes,
          skipped: tag.skipped,
          ms: Math.round(ms),
        });
      }
      result({ results }, () =>
        results
          .map(
            (r) => `${r.etag}  ${r.path}  (${r.files} ${r.files === 1 ? 'file' : 'files'}, ${mb(r.bytes)}, ${r.ms} ms)`,
          )
          .join('\n'),
      );
      return ExitCode.ok;
    },
  }),
);

function safeIsDir(abs: string, path: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    throw new UsageError(
      `generate-etag: PATH ${JSON.stringify(path)} does not exist — name an existing file or folder`,
    );
  }
}

function baseNote(base: RecordResult['base']): string {
  return 'ledger' in base ? `compared with ${base.ref}` : `no base comparison: ${base.missing}`;
}

function renderRecord(recorded: RecordResult): string {
  const lines = recorded.changes.map((c) => {
    if (c.status === 'removed') return `  removed    ${c.folder} (was seq ${c.from?.seq})`;
    if (c.status === 'unchanged') return `  unchanged  ${c.folder} seq ${c.to?.seq}`;
    return `  ${c.status.padEnd(9)}  ${c.folder} seq ${c.from ? `${c.from.seq} → ` : ''}${c.to?.seq}  ${c.to?.etag}`;
  });
  return [`recorded ${recorded.file} (${baseNote(recorded.base)})`, ...lines].join('\n');
}

function renderCheck(checked: CheckResult): string {
  const head =
    checked.problems.length === 0
      ? `e-tag ledger OK: ${checked.folders.length} folders (${baseNote(checked.base)})`
      : `e-tag ledger check FAILED (${baseNote(checked.base)}):`;
  return [head, ...checked.problems.map((p) => `  ✗ ${p.message}`)].join('\n');
}
