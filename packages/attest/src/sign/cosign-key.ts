import { type KeyObject, createPrivateKey, randomBytes, scryptSync } from 'node:crypto';
import { UsageError } from '@pilot/core';
import nacl from 'tweetnacl';
import { decodePem, encodePem } from './pem.ts';

/** PEM labels cosign writes for encrypted private keys (SIGSTORE since cosign 2, COSIGN before). */
export const ENCRYPTED_KEY_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;

/** The JSON inside the PEM body (go-securesystemslib `encrypted` package): byte fields are base64. */
interface EncryptedKeyJson {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

// cosign's own scrypt parameters (encrypted.Encrypt defaults): N=2^15, r=8, p=1.
const DEFAULT_PARAMS = { N: 2 ** 15, r: 8, p: 1 };

function deriveKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Buffer {
  // Node's default maxmem (32 MiB) is too small for N=2^15..2^17 with r=8: scrypt needs 128·N·r bytes.
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  });
}

/** Decrypts a cosign encrypted private key (PEM) with its password; a wrong password is a UsageError naming the file. */
export function decryptPrivateKey(pem: string, password: string, source: string): KeyObject {
  const block = decodePem(pem, source);
  if (!(ENCRYPTED_KEY_LABELS as readonly string[]).includes(block.label)) {
    throw new UsageError(
      `${source} holds a "${block.label}" block, not a cosign encrypted private key (${ENCRYPTED_KEY_LABELS.join(' / ')}) — pass the private key (cosign.key), or create one with \`pnpm attest keygen\``,
    );
  }
  let data: EncryptedKeyJson;
  try {
    data = JSON.parse(block.der.toString('utf8')) as EncryptedKeyJson;
  } catch (error) {
    throw new UsageError(
      `${source}: the key body is not cosign's JSON (scrypt + nacl/secretbox) — the file is damaged; restore it or create a new key`,
      { cause: error },
    );
  }
  if (data.kdf?.name !== 'scrypt' || data.cipher?.name !== 'nacl/secretbox') {
    throw new UsageError(
      `${source}: unsupported key encryption ${data.kdf?.name}/${data.cipher?.name} (expected scrypt/nacl/secretbox)`,
    );
  }
  const key = deriveKey(password, Buffer.from(data.kdf.salt, 'base64'), data.kdf.params);
  const plain = nacl.secretbox.open(
    Buffer.from(data.ciphertext, 'base64'),
    Buffer.from(data.cipher.nonce, 'base64'),
    key,
  );
  if (!plain)
    throw new UsageError(
      `wrong password for ${source} (COSIGN_PASSWORD) — set COSIGN_PASSWORD to the password the key was created with`,
    );
  return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
}

/** Encrypts a private key the way `cosign generate-key-pair` does, so cosign can read it. */
export function encryptPrivateKey(key: KeyObject, password: string, params = DEFAULT_PARAMS): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const ciphertext = nacl.secretbox(der, nonce, deriveKey(password, salt, params));
  const json: EncryptedKeyJson = {
    kdf: { name: 'scrypt', params, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: Buffer.from(nonce).toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return encodePem(ENCRYPTED_KEY_LABELS[0], Buffer.from(JSON.stringify(json)));
}
