import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type LoadedConfig, readJournal, statePaths } from '@pilot/core';
import { migrationLogPath } from '@pilot/migrate/log';

/** One file of the export: where it goes in the archive, and its (already masked) content. */
export interface ExportFile {
  path: string;
  data: Buffer;
}

export interface CollectOptions {
  loaded: LoadedConfig;
  state: string;
  /** Only this environment's deployments, approvals, sign-offs and backups (default: every environment). */
  env?: string;
  /** Only what happened at or after this time (ms since epoch). */
  sinceMs?: number;
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

const inRange = (ts: unknown, sinceMs: number | undefined) =>
  sinceMs === undefined || (typeof ts === 'string' && Date.parse(ts) >= sinceMs);

/** JSON lines kept when `keep(entry)`; the lines themselves untouched (their bytes are what was recorded). */
async function filterJsonLines(
  path: string,
  keep: (entry: Record<string, unknown>) => boolean,
): Promise<Buffer | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split('\n').filter((line) => {
    if (!line.trim()) return false;
    try {
      return keep(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return false;
    }
  });
  return lines.length ? Buffer.from(`${lines.join('\n')}\n`) : undefined;
}

/**
 * Gathers what an auditor asks for, in a fixed order: the config, policies/, the journals of the deployments in range,
 * approvals, sign-off reports, attestations of the releases those deployments name, backup manifests (not archives),
 * the migration log and the audit log.
 */
export async function collectExport(o: CollectOptions): Promise<ExportFile[]> {
  const { root, config, file: configFile } = o.loaded;
  const paths = statePaths(o.state);
  const files: ExportFile[] = [];
  const add = async (path: string, source: string) => {
    const data = await readFile(source).catch(() => undefined);
    if (data) files.push({ path, data });
  };
  await add(`config/${relative(root, configFile).split(sep).join('/')}`, configFile);
  for (const file of await filesUnder(join(root, 'policies')))
    await add(`policies/${relative(join(root, 'policies'), file).split(sep).join('/')}`, file);

  // Deployments: their env from `deployment.started`, in range when anything in them happened since --since.
  const releases = new Set<string>();
  for (const file of (await filesUnder(paths.deployments)).filter((f) => f.endsWith('.jsonl'))) {
    const { entries } = await readJournal(file);
    const started = entries.find((e) => e.event === 'deployment.started') as Record<string, unknown> | undefined;
    const env = typeof started?.env === 'string' ? started.env : undefined;
    if (o.env && env !== o.env) continue;
    if (!entries.some((e) => inRange(e.ts, o.sinceMs))) continue;
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/"version":"([^"]+)"/g)) releases.add(match[1]);
    files.push({
      path: `deployments/${relative(paths.deployments, file).split(sep).join('/')}`,
      data: Buffer.from(text),
    });
  }
  const envNames = o.env ? [o.env] : Object.keys(config.environments).sort();

  for (const env of envNames) {
    const approvals = await filterJsonLines(join(o.state, 'approvals', `${env}.jsonl`), (e) =>
      inRange(e.ts, o.sinceMs),
    );
    if (approvals) files.push({ path: `approvals/${env}.jsonl`, data: approvals });
  }
  for (const file of await filesUnder(join(o.state, 'signoff'))) {
    const name = relative(join(o.state, 'signoff'), file);
    if (o.env && !name.startsWith(`${o.env}-`)) continue;
    if (o.sinceMs !== undefined && (await stat(file)).mtimeMs < o.sinceMs) continue;
    await add(`signoff/${name}`, file);
  }
  const attestations = join(o.state, 'attestations');
  for (const release of [...releases].sort()) {
    for (const file of await filesUnder(join(attestations, release)))
      await add(`attestations/${relative(attestations, file).split(sep).join('/')}`, file);
  }
  for (const env of envNames) {
    for (const file of await filesUnder(paths.backups(env))) {
      if (!/\.tar\.gz\.(json|sha256)$/.test(file)) continue;
      await add(`backups/${env}/${relative(paths.backups(env), file).split(sep).join('/')}`, file);
    }
  }
  const migrationLog = migrationLogPath(root, config);
  const migrations = await readFile(migrationLog, 'utf8').catch(() => undefined);
  if (migrations !== undefined) {
    // Tab-separated: UTC time, env, migration, sha256, dump.
    const lines = migrations.split('\n').filter((line) => {
      const [ts, env] = line.split('\t');
      return line.trim() && (!o.env || env === o.env) && (o.sinceMs === undefined || Date.parse(ts) >= o.sinceMs);
    });
    if (lines.length) files.push({ path: 'migrations/migration-log.tsv', data: Buffer.from(`${lines.join('\n')}\n`) });
  }
  const audit = await filterJsonLines(
    paths.audit,
    (e) => inRange(e.ts, o.sinceMs) && (!o.env || e.env === undefined || e.env === o.env),
  );
  if (audit) files.push({ path: 'audit/audit.jsonl', data: audit });
  return files;
}
