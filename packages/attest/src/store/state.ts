import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir, statePaths } from '@pilot/core';
import { digestLockPath, readDigestLock } from './lock.ts';
import { readAttestationManifest, readFailureRecord } from './manifest.ts';

/** The attestation state of a release, for `pilot status`. */
export interface AttestationState {
  state: 'absent' | 'running' | 'signed' | 'unsigned' | 'failed';
  detail?: string;
}

/** running (a live process holds the release digest's lock) › signed/unsigned (manifest) › failed (failure record) › absent. */
export async function attestationState(
  root: string,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AttestationState> {
  const paths = statePaths(stateDir(root, env));
  const attestationsRoot = paths.attestations('');
  const digest = await readFile(join(paths.release(version), 'manifest.json'), 'utf8').then(
    (t) => (JSON.parse(t) as { digest?: string }).digest,
    () => undefined,
  );
  if (digest) {
    const holder = await readDigestLock(digestLockPath(attestationsRoot, digest));
    if (holder?.live) return { state: 'running', detail: `pid ${holder.record.pid} since ${holder.record.startedAt}` };
  }
  const manifest = await readAttestationManifest(paths.attestations(version));
  if (manifest && (!digest || manifest.release.digest === digest)) {
    return {
      state: manifest.status,
      detail: `${manifest.signer.kind}${manifest.publicKeyFingerprint ? ` ${manifest.publicKeyFingerprint.slice(0, 19)}` : ''}, ${manifest.created}`,
    };
  }
  const failure = await readFailureRecord(attestationsRoot, version);
  if (failure) return { state: 'failed', detail: `${failure.at}: ${failure.error.split('\n')[0]}` };
  return { state: 'absent' };
}
