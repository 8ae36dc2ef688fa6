import { createHash } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { type TrustMaterial, Verifier, toSignedEntity } from '@sigstore/verify';
import type { Statement } from '../provenance/statement.ts';
import { IN_TOTO_PAYLOAD_TYPE } from '../sign/dsse.ts';

/** A keyless signer: the OIDC issuer recorded in the Fulcio certificate and the certificate's subject (SAN). */
export interface KeylessIdentity {
  issuer: string;
  subject: string;
}

export interface KeylessCheck {
  /** Why the bundle is refused; undefined when it verified. */
  problem?: string;
  /** Who signed (from the certificate), once the signature chain verified. */
  signer?: KeylessIdentity;
  statement?: Statement;
}

const describe = (i: KeylessIdentity) => `${i.subject} (issuer ${i.issuer})`;

/** Parses a bundle and checks what is needed before the cryptography: keyless, with a transparency-log entry. */
function parseKeylessBundle(json: unknown): { bundle?: Bundle; problem?: string } {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    return { problem: `not a valid sigstore bundle (${(error as Error).message})` };
  }
  const material = bundle.verificationMaterial.content;
  if (material.$case === 'publicKey')
    return { problem: 'the bundle is signed with a key, not keylessly (no Fulcio certificate) — verify it with --key' };
  if (!bundle.verificationMaterial.tlogEntries.length)
    return {
      problem:
        'the bundle has no transparency-log entry (Rekor): its signature was never logged publicly, so it is refused',
    };
  return { bundle };
}

/** Signature, certificate chain to the trusted Fulcio CA, Rekor inclusion and SCT; then the identity. */
function verifyEntity(
  bundle: Bundle,
  artifact: Buffer | undefined,
  trust: TrustMaterial,
  identity: KeylessIdentity | undefined,
): KeylessCheck {
  let signer: KeylessIdentity;
  try {
    const verified = new Verifier(trust).verify(toSignedEntity(bundle, artifact));
    signer = {
      issuer: verified.identity?.extensions?.issuer ?? '(none)',
      subject: verified.identity?.subjectAlternativeName ?? '(none)',
    };
  } catch (error) {
    const e = error as Error & { code?: string };
    return { problem: `${e.code ? `${e.code}: ` : ''}${e.message}` };
  }
  if (!identity)
    return {
      signer,
      problem: `no expected identity: set attest.identity { issuer, subject } in pilot.config.ts (this bundle was signed by ${describe(signer)})`,
    };
  if (signer.issuer !== identity.issuer || signer.subject !== identity.subject) {
    const what = [signer.subject !== identity.subject && 'subject', signer.issuer !== identity.issuer && 'issuer']
      .filter(Boolean)
      .join(' and ');
    return {
      signer,
      problem: `signed by another identity (${what} differ): the certificate names ${describe(signer)}, attest.identity expects ${describe(identity)}`,
    };
  }
  return { signer };
}

/** A keyless message-signature bundle over `archive`, by `identity`. */
export function verifyArchiveBundle(
  json: unknown,
  archive: Buffer,
  trust: TrustMaterial,
  identity: KeylessIdentity | undefined,
): KeylessCheck {
  const { bundle, problem } = parseKeylessBundle(json);
  if (!bundle) return { problem };
  if (bundle.content.$case !== 'messageSignature')
    return { problem: 'the bundle holds a DSSE envelope, not a signature of the file (verify it as an attestation)' };
  const signed = bundle.content.messageSignature.messageDigest?.digest;
  const actual = createHash('sha256').update(archive).digest();
  if (signed && !actual.equals(signed))
    return {
      problem: `the file hashes to sha256:${actual.toString('hex')}, but the bundle signs sha256:${Buffer.from(signed).toString('hex')} (the file was changed, or this is another file's bundle)`,
    };
  return verifyEntity(bundle, archive, trust, identity);
}

/** A keyless DSSE bundle of an in-toto statement, by `identity`, whose subject is the artifact with sha256 `sha256Hex`. */
export function verifyProvenanceBundle(
  json: unknown,
  sha256Hex: string,
  trust: TrustMaterial,
  identity: KeylessIdentity | undefined,
): KeylessCheck {
  const { bundle, problem } = parseKeylessBundle(json);
  if (!bundle) return { problem };
  if (bundle.content.$case !== 'dsseEnvelope')
    return { problem: 'the bundle holds a message signature, not a DSSE attestation' };
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { problem: `payloadType ${JSON.stringify(envelope.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}` };
  const checked = verifyEntity(bundle, undefined, trust, identity);
  if (checked.problem) return checked;
  let statement: Statement;
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8')) as Statement;
  } catch {
    return { ...checked, problem: 'the envelope’s payload is not an in-toto statement (not JSON)' };
  }
  if (!statement.subject?.some((s) => s.digest?.sha256 === sha256Hex)) {
    const names = (statement.subject ?? []).map((s) => `${s.name} sha256:${s.digest?.sha256}`).join(', ');
    return {
      ...checked,
      statement,
      problem: `the provenance’s subject (${names}) is not the archive (sha256:${sha256Hex})`,
    };
  }
  return { ...checked, statement };
}
