import { type KeyObject, sign, verify } from 'node:crypto';

/** cosign's key-pair signature: ECDSA P-256 over SHA-256, ASN.1 DER, base64. */
export function signBlob(data: Buffer, key: KeyObject): string {
  return sign('sha256', data, key).toString('base64');
}

/** Checks a base64 DER signature over `data`; false on any mismatch or malformed signature. */
export function verifyBlob(data: Buffer, signatureB64: string, key: KeyObject): boolean {
  const sig = Buffer.from(signatureB64.trim(), 'base64');
  if (sig.length === 0) return false;
  try {
    return verify('sha256', data, key, sig);
  } catch {
    return false;
  }
}
