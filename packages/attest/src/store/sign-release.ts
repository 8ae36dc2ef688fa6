import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cosignSignBlob } from '../cosign/cosign.ts';
import { signKeyless } from '../keyless/sign-keyless.ts';
import { signBlob } from '../sign/blob.ts';
import { createBundle } from '../sign/bundle.ts';
import { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../sign/dsse.ts';
import { keyFingerprint, loadPrivateKey, publicKeyPem, passwordFrom } from '../sign/keys.ts';
import type { AttestationManifest } from './manifest.ts';

export interface SignReleaseOptions {
  archive: string;
  /** The in-toto statement (JSON) to sign as DSSE. */
  statement: Buffer;
  key?: string;
  keyless: boolean;
  signer: 'builtin' | 'cosign';
  /** Fulcio and Rekor for keyless signing (default: the public-good instances). */
  sigstore?: { fulcioUrl?: string; rekorUrl?: string };
  /** Told the CI's OIDC token, so it is masked in every log line. */
  onToken?: (token: string) => void;
  password?: string;
  /** Scratch folder for cosign's output. */
  work: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface SignedRelease {
  status: AttestationManifest['status'];
  signer: AttestationManifest['signer'];
  publicKey?: string;
  publicKeyFingerprint?: string;
  /** release.sig, release.bundle.json (when signed), provenance.intoto.jsonl, and provenance.bundle.json (keyless). */
  files: Record<string, string>;
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

/** Signs the archive and the provenance: built-in or cosign with a key, keyless (sigstore-js, or cosign), or leaves both unsigned. */
export async function signRelease(o: SignReleaseOptions): Promise<SignedRelease> {
  if (o.keyless && o.signer !== 'cosign') {
    const signed = await signKeyless({
      archive: await readFile(o.archive),
      statement: o.statement,
      ...o.sigstore,
      env: o.env,
      onToken: o.onToken,
    });
    const message = signed.archiveBundle.messageSignature as { signature: string };
    const envelope = signed.provenanceBundle.dsseEnvelope as DsseEnvelope;
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    return {
      status: 'signed',
      signer: { kind: 'sigstore-keyless' },
      files: {
        'release.sig': `${message.signature}\n`,
        'release.bundle.json': json(signed.archiveBundle),
        'provenance.intoto.jsonl': line(envelope),
        'provenance.bundle.json': json(signed.provenanceBundle),
      },
    };
  }
  if (o.keyless) {
    const bundle = join(o.work, 'release.bundle.json');
    const signed = await cosignSignBlob({ file: o.archive, bundle, env: o.env, signal: o.signal });
    // Keyless DSSE signing needs cosign attest-blob and a Fulcio certificate; the provenance stays an unsigned envelope beside the signed bundle.
    const envelope: DsseEnvelope = {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: o.statement.toString('base64'),
      signatures: [],
    };
    return {
      status: 'signed',
      signer: { kind: 'cosign-keyless', cosignVersion: signed.cosignVersion },
      files: {
        'release.sig': `${signed.signature ?? ''}\n`,
        'release.bundle.json': signed.bundle,
        'provenance.intoto.jsonl': line(envelope),
      },
    };
  }
  if (!o.key) {
    const envelope: DsseEnvelope = {
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: o.statement.toString('base64'),
      signatures: [],
    };
    return { status: 'unsigned', signer: { kind: 'none' }, files: { 'provenance.intoto.jsonl': line(envelope) } };
  }
  const password = passwordFrom(o.env, o.key, o.password);
  // The key is cosign's format either way: the provenance is always signed here, the archive by cosign when asked.
  const key = await loadPrivateKey(o.key, password, 'attest.key');
  const common = { publicKey: publicKeyPem(key), publicKeyFingerprint: keyFingerprint(key), status: 'signed' as const };
  const provenance = line(signEnvelope(o.statement, key));
  if (o.signer === 'cosign') {
    const signed = await cosignSignBlob({
      file: o.archive,
      key: o.key,
      bundle: join(o.work, 'release.bundle.json'),
      password,
      env: o.env,
      signal: o.signal,
    });
    return {
      ...common,
      signer: { kind: 'cosign', cosignVersion: signed.cosignVersion },
      files: {
        'release.sig': `${signed.signature ?? ''}\n`,
        'release.bundle.json': signed.bundle,
        'provenance.intoto.jsonl': provenance,
      },
    };
  }
  const data = await readFile(o.archive);
  const signature = signBlob(data, key);
  return {
    ...common,
    signer: { kind: 'builtin' },
    files: {
      'release.sig': `${signature}\n`,
      'release.bundle.json': `${JSON.stringify(createBundle(data, signature, key), null, 2)}\n`,
      'provenance.intoto.jsonl': provenance,
    },
  };
}
