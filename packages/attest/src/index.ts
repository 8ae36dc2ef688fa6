export { attestRelease, type AttestOptions, type AttestationResult } from './store/attest-release.ts';
export { verifyAttestation, type VerifyOptions, type VerifyResult } from './store/verify.ts';
export { signKeyless, type KeylessSigned } from './keyless/sign-keyless.ts';
export {
  verifyArchiveBundle,
  verifyProvenanceBundle,
  type KeylessCheck,
  type KeylessIdentity,
} from './keyless/verify-keyless.ts';
export { loadTrustedRoot, publicGoodTrustedRoot } from './keyless/trusted-root.ts';
export { attestationState, type AttestationState } from './store/state.ts';
export type { AttestationManifest } from './store/manifest.ts';
export { findRelease, newestRelease, type ReleaseRef } from './store/release.ts';
export { generateSbom, checkSbom, type Sbom } from './sbom/generate.ts';
export { signBlob, verifyBlob } from './sign/blob.ts';
export { createBundle, checkBundle, type SigstoreBundle } from './sign/bundle.ts';
export { signEnvelope, openEnvelope, preAuthEncoding, type DsseEnvelope } from './sign/dsse.ts';
export { generateKeyFiles } from './sign/keygen.ts';
export { loadPrivateKey, loadPublicKey, passwordFrom, publicKeyPem, keyFingerprint } from './sign/keys.ts';
export { checkAttestation } from './provenance/check-attestation.ts';
export { createProvenance, type Statement } from './provenance/statement.ts';
export { cosignSignBlob, cosignVerifyBlob } from './cosign/cosign.ts';
export { detectCosign, COSIGN_INSTALL_HINT } from './cosign/version.ts';
