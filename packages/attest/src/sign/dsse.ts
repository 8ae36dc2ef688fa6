import type { KeyObject } from 'node:crypto';
import { signBlob, verifyBlob } from './blob.ts';

/** A DSSE envelope (https://github.com/secure-systems-lab/dsse). */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Pre-Authentication Encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Signs a payload into an envelope. keyid is empty, as in cosign's envelopes: verifiers match by key, not by id. */
export function signEnvelope(payload: Buffer, key: KeyObject, payloadType = IN_TOTO_PAYLOAD_TYPE): DsseEnvelope {
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid: '', sig: signBlob(preAuthEncoding(payloadType, payload), key) }],
  };
}

/** Verifies an envelope (any of its signatures with `key`); returns the payload, or the reason it fails. */
export function openEnvelope(envelope: unknown, key: KeyObject): { payload: Buffer } | { problem: string } {
  const e = envelope as Partial<DsseEnvelope> | null;
  if (!e || typeof e.payloadType !== 'string' || typeof e.payload !== 'string' || !Array.isArray(e.signatures)) {
    return { problem: 'not a DSSE envelope (needs payloadType, payload and signatures)' };
  }
  const payload = Buffer.from(e.payload, 'base64');
  const pae = preAuthEncoding(e.payloadType, payload);
  if (e.signatures.length === 0) return { problem: 'the envelope has no signatures (unsigned)' };
  if (!e.signatures.some((s) => typeof s?.sig === 'string' && verifyBlob(pae, s.sig, key))) {
    return {
      problem: 'no signature in the envelope verifies with this public key (wrong key, or the payload was changed)',
    };
  }
  return { payload };
}
