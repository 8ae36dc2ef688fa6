import { type KeyObject, createHash } from 'node:crypto';
import { verifyBlob } from './blob.ts';
import { spkiOf } from './keys.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A sigstore bundle (protobuf-specs JSON) holding a message signature made with a public key. */
export interface SigstoreBundle {
  mediaType: string;
  verificationMaterial: { publicKey?: { hint: string }; certificate?: { rawBytes: string }; tlogEntries?: unknown[] };
  messageSignature?: { messageDigest: { algorithm: string; digest: string }; signature: string };
  dsseEnvelope?: unknown;
}

/** Builds a v0.3 bundle for a key signature (no transparency-log entry: offline key signing). */
export function createBundle(data: Buffer, signatureB64: string, key: KeyObject): SigstoreBundle {
  const spki = spkiOf(key).export({ format: 'der', type: 'spki' });
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    // cosign's hint for a key: base64 of the sha256 of the DER public key.
    verificationMaterial: { publicKey: { hint: createHash('sha256').update(spki).digest('base64') } },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(data).digest('base64') },
      signature: signatureB64,
    },
  };
}

/** Checks a bundle against the blob and key; returns the reason it fails, or undefined when it verifies. */
export function checkBundle(bundle: unknown, data: Buffer, key: KeyObject): string | undefined {
  const b = bundle as Partial<SigstoreBundle> | null;
  if (
    !b ||
    typeof b !== 'object' ||
    typeof b.mediaType !== 'string' ||
    !b.mediaType.startsWith('application/vnd.dev.sigstore.bundle')
  ) {
    return 'not a sigstore bundle (no application/vnd.dev.sigstore.bundle mediaType)';
  }
  const ms = b.messageSignature;
  if (!ms || typeof ms.signature !== 'string')
    return 'the bundle has no messageSignature (a DSSE bundle? use verify-blob-attestation)';
  if (ms.messageDigest) {
    if (ms.messageDigest.algorithm !== 'SHA2_256')
      return `unsupported digest algorithm ${ms.messageDigest.algorithm} in the bundle`;
    const digest = createHash('sha256').update(data).digest('base64');
    if (ms.messageDigest.digest !== digest)
      return 'the bundle’s message digest does not match the file (the file or the bundle was changed)';
  }
  if (!verifyBlob(data, ms.signature, key)) return 'the bundle’s signature does not verify with this public key';
  return undefined;
}
