import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Logger, type PilotConfig, RefusedError, fsyncDir, stateDir, statePaths } from '@pilot/core';
import { createProvenance } from '../provenance/statement.ts';
import { generateSbom } from '../sbom/generate.ts';
import { assertSameDependencies } from '../sbom/same-dependencies.ts';
import { acquireDigestLock, digestLockPath } from './lock.ts';
import {
  type AttestationManifest,
  MANIFEST_FILE,
  clearFailureRecord,
  readAttestationManifest,
  writeFailureRecord,
} from './manifest.ts';
import { findRelease, newestRelease } from './release.ts';
import { signRelease } from './sign-release.ts';

export interface AttestOptions {
  root: string;
  config: PilotConfig;
  /** Release version; default: the newest under .pilot/releases. */
  version?: string;
  /** cosign-format private key (default: config attest.key); its password: `password` or COSIGN_PASSWORD. */
  key?: string;
  keyless?: boolean;
  password?: string;
  /** Wait for a concurrent run on the same digest (default) instead of refusing. */
  wait?: boolean;
  log: Logger;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface AttestationResult {
  status: 'signed' | 'unsigned' | 'already-attested';
  version: string;
  dir: string;
  digest: string;
  /** File name → sha256 (from the manifest). */
  files: Record<string, string>;
  manifest: AttestationManifest;
}

const sha256 = (data: string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** SBOMs, provenance and signatures for a release into `.pilot/attestations/<version>/`, once per release digest. */
export async function attestRelease(o: AttestOptions): Promise<AttestationResult> {
  const root = statePaths(stateDir(o.root, o.env)).attestations('');
  const version = o.version ?? (await newestRelease(o.root).catch(() => undefined));
  try {
    return await attestLocked({ ...o, version }, root);
  } catch (error) {
    // Left for `pilot status`: a background run has no terminal to report to. A refusal (another run holds the lock) is no failure.
    if (!version || error instanceof RefusedError) throw error;
    const message = o.log.redactor.text(error instanceof Error ? error.message : String(error));
    await writeFailureRecord(root, { version, error: message, at: new Date().toISOString(), pid: process.pid }).catch(
      () => undefined,
    );
    throw error;
  }
}

async function attestLocked(o: AttestOptions, attestationsRoot: string): Promise<AttestationResult> {
  const env = o.env ?? process.env;
  const release = await findRelease(o.root, o.version);
  const dir = join(attestationsRoot, release.version);
  const key = o.key ?? (o.config.attest.key ? resolve(o.root, o.config.attest.key) : undefined);
  const keyless = o.keyless ?? o.config.attest.keyless;
  // An unsigned attestation does not satisfy a run that can sign: it is redone.
  const existing = async () => {
    const m = await readAttestationManifest(dir);
    return m?.release.digest === release.digest && (m.status === 'signed' || (!key && !keyless)) ? m : undefined;
  };
  const lock = await acquireDigestLock({
    path: digestLockPath(attestationsRoot, release.digest),
    version: release.version,
    digest: release.digest,
    wait: o.wait ?? true,
    isDone: async () => Boolean(await existing()),
    signal: o.signal,
  });
  if (lock === 'done') {
    const manifest = (await existing())!;
    o.log.info(
      'attest.already',
      `release ${release.version} (${release.digest}) is already attested (${manifest.status}) in ${dir}`,
    );
    return {
      status: 'already-attested',
      version: release.version,
      dir,
      digest: release.digest,
      files: manifest.files,
      manifest,
    };
  }
  const stage = join(attestationsRoot, `.${release.version}.${process.pid}.tmp`);
  try {
    await rm(stage, { recursive: true, force: true });
    await mkdir(join(stage, '.work'), { recursive: true });
    const files: Record<string, string> = {};
    const sboms: AttestationManifest['sboms'] = [];
    const packages = o.config.attest.packages.length
      ? o.config.attest.packages
      : o.config.service.package
        ? [o.config.service.package]
        : [];
    if (!packages.length)
      o.log.warn(
        'attest.no_packages',
        'no package to describe: set service.package or attest.packages in pilot.config.ts — no SBOM written',
      );
    if (packages.length) await assertSameDependencies(o.root, release.manifest.commit, o.log);
    for (const pkg of packages) {
      const sbom = await generateSbom({ root: o.root, pkg, log: o.log, signal: o.signal });
      const file = `sbom-${pkg.replace(/^@/, '').replace(/\//g, '-')}.cdx.json`;
      files[file] = sbom.json;
      sboms.push({ package: pkg, file, components: sbom.components });
    }
    const statement = createProvenance({
      artifact: { name: basename(release.archive), sha256: release.digest.replace(/^sha256:/, '') },
      version: release.version,
      commit: release.manifest.commit,
      service: { name: o.config.service.name, package: o.config.service.package, build: o.config.service.build },
      configHash: release.manifest.configHash,
      sourceUri: env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`
        : `file://${resolve(o.root)}`,
      startedOn: release.manifest.created,
      byproducts: Object.entries(files).map(([name, text]) => ({ name, sha256: sha256(text).slice(7) })),
      env,
    });
    o.log.info(
      'attest.sign',
      key || keyless
        ? `signing release ${release.version} (${keyless ? `keyless, ${o.config.attest.signer === 'cosign' ? 'cosign' : 'sigstore-js'}` : `${o.config.attest.signer} signer, key ${key}`})`
        : `no key: release ${release.version} stays unsigned`,
    );
    const signed = await signRelease({
      archive: release.archive,
      statement: Buffer.from(JSON.stringify(statement)),
      key,
      keyless,
      signer: o.config.attest.signer,
      sigstore: o.config.attest.sigstore,
      onToken: (token) => o.log.redactor.add([token]),
      password: o.password,
      work: join(stage, '.work'),
      env,
      signal: o.signal,
    });
    Object.assign(files, signed.files);
    await rm(join(stage, '.work'), { recursive: true, force: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(stage, name), text);
    const manifest: AttestationManifest = {
      schema: 'pilot.attestation/v1',
      version: release.version,
      status: signed.status,
      release: { archive: basename(release.archive), digest: release.digest, commit: release.manifest.commit },
      signer: signed.signer,
      ...(signed.publicKey ? { publicKey: signed.publicKey, publicKeyFingerprint: signed.publicKeyFingerprint } : {}),
      sboms,
      files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256(text)])),
      created: new Date().toISOString(),
    };
    await writeFile(join(stage, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await publish(stage, dir);
    await clearFailureRecord(attestationsRoot, release.version);
    o.log.info('attest.done', `release ${release.version} attested (${manifest.status}) in ${dir}`);
    return {
      status: manifest.status,
      version: release.version,
      dir,
      digest: release.digest,
      files: manifest.files,
      manifest,
    };
  } finally {
    await rm(stage, { recursive: true, force: true });
    await lock();
  }
}

/** Swaps the staged folder in: the attestation folder appears complete or not at all. */
async function publish(stage: string, dir: string): Promise<void> {
  const old = `${stage}.old`;
  await rename(dir, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(stage, dir);
  await fsyncDir(join(dir, '..'));
  await rm(old, { recursive: true, force: true });
}
