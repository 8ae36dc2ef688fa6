import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@pilot/core';

/** Status of an attestation: signed, or unsigned (SBOM and provenance only, no key configured). */
export type AttestationStatus = 'signed' | 'unsigned';

/** `.pilot/attestations/<version>/manifest.json`: what was attested, by whom, and the sha256 of every file beside it. */
export interface AttestationManifest {
  schema: 'pilot.attestation/v1';
  version: string;
  status: AttestationStatus;
  release: { archive: string; digest: string; commit: string };
  signer: { kind: 'builtin' | 'cosign' | 'cosign-keyless' | 'sigstore-keyless' | 'none'; cosignVersion?: string };
  /** PEM of the signing public key (key signing), and its fingerprint (sha256 of the DER). */
  publicKey?: string;
  publicKeyFingerprint?: string;
  sboms: { package: string; file: string; components: number }[];
  /** File name → `sha256:<hex>`. */
  files: Record<string, string>;
  created: string;
}

export const MANIFEST_FILE = 'manifest.json';

export async function readAttestationManifest(dir: string): Promise<AttestationManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as AttestationManifest;
  } catch {
    return undefined;
  }
}

/** `.pilot/attestations/<version>.failed.json`: left by a failed run so `pilot status` can show why. */
export function failureRecordPath(attestationsRoot: string, version: string): string {
  return join(attestationsRoot, `${version}.failed.json`);
}

export interface FailureRecord {
  version: string;
  digest?: string;
  error: string;
  at: string;
  pid: number;
}

export async function writeFailureRecord(attestationsRoot: string, record: FailureRecord): Promise<void> {
  await writeFileAtomic(failureRecordPath(attestationsRoot, record.version), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readFailureRecord(attestationsRoot: string, version: string): Promise<FailureRecord | undefined> {
  try {
    return JSON.parse(await readFile(failureRecordPath(attestationsRoot, version), 'utf8')) as FailureRecord;
  } catch {
    return undefined;
  }
}

export async function clearFailureRecord(attestationsRoot: string, version: string): Promise<void> {
  await rm(failureRecordPath(attestationsRoot, version), { force: true });
}
