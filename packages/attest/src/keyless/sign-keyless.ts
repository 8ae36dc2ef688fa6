import { FailedError } from '@pilot/core';
import { BUNDLE_V03_MEDIA_TYPE, bundleToJSON } from '@sigstore/bundle';
import {
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
} from '@sigstore/sign';
import { IN_TOTO_PAYLOAD_TYPE } from '../sign/dsse.ts';
import { identityProviderFrom } from './oidc-token.ts';

export interface KeylessSignOptions {
  /** The release archive's bytes: signed as a message-signature bundle. */
  archive: Buffer;
  /** The in-toto statement (JSON): signed as a DSSE bundle. */
  statement: Buffer;
  fulcioUrl?: string;
  rekorUrl?: string;
  env: NodeJS.ProcessEnv;
  /** Told the OIDC token fetched from the CI, so the caller masks it in every log line. */
  onToken?: (token: string) => void;
}

export interface KeylessSigned {
  /** sigstore bundle v0.3 JSON: message signature over the archive, Fulcio certificate, Rekor entry. */
  archiveBundle: Record<string, unknown>;
  /** sigstore bundle v0.3 JSON: DSSE envelope of the provenance statement, Fulcio certificate, Rekor entry. */
  provenanceBundle: Record<string, unknown>;
}

/**
 * sigstore-js 4 packs a message signature in a v0.2 bundle with the certificate chain; v0.3 carries the leaf certificate
 * only (the chain comes from the trusted root). The signature and the Rekor entry are the same either way.
 */
function toV03(bundle: Record<string, unknown>): Record<string, unknown> {
  const material = bundle.verificationMaterial as {
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
    certificate?: unknown;
  };
  if (!material.x509CertificateChain) return bundle;
  const { x509CertificateChain, ...rest } = material;
  return {
    ...bundle,
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { ...rest, certificate: x509CertificateChain.certificates[0] },
  };
}

/** Signs the archive and the provenance with one short-lived Fulcio certificate each, both logged in Rekor. */
export async function signKeyless(o: KeylessSignOptions): Promise<KeylessSigned> {
  const fulcioBaseURL = o.fulcioUrl ?? DEFAULT_FULCIO_URL;
  const rekorBaseURL = o.rekorUrl ?? DEFAULT_REKOR_URL;
  const signer = new FulcioSigner({
    fulcioBaseURL,
    identityProvider: identityProviderFrom(o.env, o.onToken),
    retry: 2,
    timeout: 30_000,
  });
  const witnesses = [new RekorWitness({ rekorBaseURL, entryType: 'intoto', retry: 2, timeout: 30_000 })];
  try {
    const archive = await new MessageSignatureBundleBuilder({ signer, witnesses }).create({ data: o.archive });
    const provenance = await new DSSEBundleBuilder({ signer, witnesses }).create({
      data: o.statement,
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    return {
      archiveBundle: toV03(bundleToJSON(archive) as Record<string, unknown>),
      provenanceBundle: bundleToJSON(provenance) as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof FailedError) throw error;
    const e = error as Error & { code?: string };
    throw new FailedError(
      `keyless signing failed (Fulcio ${fulcioBaseURL}, Rekor ${rekorBaseURL}): ${e.code ? `${e.code}: ` : ''}${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`,
      { cause: error },
    );
  }
}
