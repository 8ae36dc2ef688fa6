import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { FailedError, type Logger, PilotError, type PilotConfig, type Release, pnpmCommand, shell } from '@pilot/core';
import { computeEtag } from '@pilot/etag';
import { extract } from 'tar';
import { git } from '../git/git.ts';
import { writeReleaseArchive } from './archive.ts';
import { assertVersionFree } from './version.ts';
import { claimBuildDir, removeStaleBuildDirs, removeStaleStages } from './build-dir.ts';
import { type ReleaseManifest, readManifest, releaseOf, writeManifest } from './manifest.ts';
import { withPnpm } from './pnpm.ts';

export interface BuildOptions {
  root: string;
  configFile: string;
  config: PilotConfig;
  /** `.pilot/releases` */
  releasesDir: string;
  commit: string;
  version: string;
  /** Extra per-release environment written into the manifest (the demo's faulty v3 sets ERROR_RATE here). */
  env?: Record<string, string>;
  /**
   * Rebuilding a pruned release: it starts as it did then (start, env, config hash from its recorded manifest, not from
   * today's config), and a digest other than the recorded one is refused — the rebuild would be another release.
   */
  recorded?: ReleaseManifest;
  log: Logger;
  signal?: AbortSignal;
}

/** The exact commands a release build runs, for `--dry-run` and the journal. */
export function buildCommands(o: Pick<BuildOptions, 'config' | 'commit' | 'version' | 'releasesDir'>): string[][] {
  const { service } = o.config;
  const cmds: string[][] = [['git', 'archive', '--format=tar', o.commit]];
  if (service.package)
    cmds.push([
      ...pnpmCommand(),
      'install',
      '--frozen-lockfile',
      '--prefer-offline',
      '--filter',
      `${service.package}...`,
    ]);
  if (service.build) cmds.push(withPnpm(service.build));
  if (service.package) cmds.push(deployCommand(service.package, join(o.releasesDir, o.version, 'app')));
  return cmds;
}

/**
 * `pnpm deploy` without `--legacy` installs from the lockfile (the tested versions, never a newer match of a range);
 * no NODE_PATH in the bin shims, which would name the build folder and make the digest depend on it.
 */
function deployCommand(pkg: string, out: string): string[] {
  return [
    ...pnpmCommand(),
    '--config.extend-node-path=false',
    '--filter',
    pkg,
    'deploy',
    '--prod',
    '--prefer-offline',
    out,
  ];
}

/** pnpm's install bookkeeping in a deployed folder: timestamps and this machine's store path, nothing a service runs. */
const PNPM_BOOKKEEPING = ['node_modules/.modules.yaml', 'node_modules/.pnpm-workspace-state-v1.json'];

/**
 * Builds `.pilot/releases/<version>/` (app/ + manifest.json) and `<version>.tar.gz` from a commit: the tree is taken
 * with `git archive` into a temp dir (the work tree is never touched), built there, and packaged with `pnpm deploy --prod`.
 * An existing release of the same commit is reused: releases are immutable.
 */
export async function buildRelease(o: BuildOptions): Promise<Release & { reused: boolean }> {
  // Whatever a killed build left goes first; housekeeping that fails is said, never a reason not to build.
  await Promise.all([removeStaleBuildDirs(o.log), removeStaleStages(o.releasesDir, o.log)]).catch((error: Error) =>
    o.log.warn('build.stale-remove-failed', `could not remove what a killed build left (${error.message})`),
  );
  const finalDir = join(o.releasesDir, o.version);
  const existing = await readManifest(finalDir);
  if (existing) {
    await assertVersionFree(o.releasesDir, o.version, o.commit);
    return { ...releaseOf(finalDir, existing), reused: true };
  }
  const { service } = o.config;
  const build = await claimBuildDir(o.commit, o.log, o.signal);
  const work = build.dir;
  const stage = join(o.releasesDir, `.${o.version}.${process.pid}.tmp`);
  const run = async (argv: string[], cwd: string, what: string) => {
    o.log.info('build.command', what, { command: argv.join(' '), cwd });
    const r = await shell({
      cwd,
      nothrow: true,
      signal: o.signal,
      log: o.log,
      env: { CI: 'true', npm_config_yes: 'true' },
    })`${argv}`;
    if (o.signal?.aborted) throw new PilotError(`${what} was interrupted`);
    if (r.exitCode !== 0)
      throw new PilotError(
        `release build failed at "${argv.join(' ')}" (exit ${r.exitCode ?? r.signal}) in ${cwd}:\n${stripVTControlCharacters(r.stdall).split('\n').slice(-15).join('\n')}\nfix the build, commit, and run pilot again`,
      );
  };
  try {
    const src = join(work, 'src');
    await mkdir(src, { recursive: true });
    await git(o.root, ['archive', '--format=tar', '-o', join(work, 'src.tar'), o.commit]);
    await extract({ file: join(work, 'src.tar'), cwd: src });
    await rm(stage, { recursive: true, force: true });
    await mkdir(stage, { recursive: true });
    const serviceDir = join(src, service.dir);
    if (service.package) {
      const frozen = existsSync(join(src, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
      await run(
        [...pnpmCommand(), 'install', ...frozen, '--prefer-offline', '--filter', `${service.package}...`],
        src,
        'installing dependencies',
      );
    }
    if (service.build) await run(withPnpm(service.build), serviceDir, `building ${service.name}`);
    if (service.package) {
      await run(deployCommand(service.package, join(stage, 'app')), src, 'packaging the release (pnpm deploy --prod)');
      await Promise.all(PNPM_BOOKKEEPING.map((file) => rm(join(stage, 'app', file), { force: true })));
    } else {
      await cp(serviceDir, join(stage, 'app'), { recursive: true, verbatimSymlinks: true });
    }
    const digest = await writeReleaseArchive(join(stage, 'app'), join(stage, 'release.tar.gz'));
    if (o.recorded?.digest && o.recorded.digest !== digest) {
      throw new FailedError(
        `rebuilding ${o.version} from ${o.commit.slice(0, 12)} gave ${digest}, not the recorded ${o.recorded.digest}: the build is not reproducible here (another pnpm store, registry or toolchain) — not using it; pick another --to`,
      );
    }
    // The e-tag names the release's content (same files → same tag on any machine); the digest names its archive.
    const { etag } = await computeEtag(['.'], { cwd: join(stage, 'app'), gitignore: false });
    const manifest: ReleaseManifest = {
      version: o.version,
      commit: o.commit,
      etag,
      created: new Date().toISOString(),
      configHash:
        o.recorded?.configHash ??
        `sha256:${createHash('sha256')
          .update(await readFile(o.configFile))
          .digest('hex')}`,
      start: o.recorded?.start ?? service.start,
      env: o.recorded?.env ?? { ...service.env, ...o.env },
      digest,
    };
    await writeManifest(stage, manifest);
    // The archive sits beside the folder as <version>.tar.gz; the folder appears complete or not at all.
    await rename(join(stage, 'release.tar.gz'), join(o.releasesDir, `${o.version}.tar.gz`));
    await rename(stage, finalDir);
    return { ...releaseOf(finalDir, manifest), reused: false };
  } catch (error) {
    await rm(stage, { recursive: true, force: true });
    throw error;
  } finally {
    await build.release();
  }
}

/** A new release beside an existing one: the same app/, another version and extra env (the demo's v2 and faulty v3). */
export async function cloneRelease(
  releasesDir: string,
  from: string,
  version: string,
  env: Record<string, string>,
): Promise<Release> {
  const source = await readManifest(join(releasesDir, from));
  if (!source) throw new PilotError(`release ${from} not found in ${releasesDir}`);
  const finalDir = join(releasesDir, version);
  const existing = await readManifest(finalDir);
  if (existing) return releaseOf(finalDir, existing);
  const stage = join(releasesDir, `.${version}.${process.pid}.tmp`);
  await rm(stage, { recursive: true, force: true });
  await cp(join(releasesDir, from, 'app'), join(stage, 'app'), { recursive: true, verbatimSymlinks: true });
  const manifest: ReleaseManifest = {
    ...source,
    version,
    created: new Date().toISOString(),
    env: { ...source.env, ...env },
  };
  await writeManifest(stage, manifest);
  await rename(stage, finalDir);
  return releaseOf(finalDir, manifest);
}
