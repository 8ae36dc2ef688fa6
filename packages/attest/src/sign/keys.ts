import { type KeyObject, createHash, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '@pilot/core';
import { ENCRYPTED_KEY_LABELS, decryptPrivateKey } from './cosign-key.ts';
import { decodePem, encodePem } from './pem.ts';

async function readKeyFile(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${JSON.stringify(file)}: cannot read it (${(error as NodeJS.ErrnoException).code}) — pass an existing key file, or create one with \`pnpm attest keygen\``,
      { cause: error },
    );
  }
}

/** The password cosign would use: COSIGN_PASSWORD (may be empty). Missing → UsageError, never a prompt. */
export function passwordFrom(env: NodeJS.ProcessEnv, file: string, password?: string): string {
  const value = password ?? env.COSIGN_PASSWORD;
  if (value === undefined)
    throw new UsageError(
      `COSIGN_PASSWORD is not set: it is the password of ${file} — export COSIGN_PASSWORD (empty if the key has none)`,
    );
  return value;
}

/** Loads a cosign encrypted private key file. */
export async function loadPrivateKey(file: string, password: string, flag = '--key'): Promise<KeyObject> {
  return decryptPrivateKey(await readKeyFile(file, flag), password, file);
}

/** Loads a public key: a PEM public key, or the public half of a cosign private key (then the password is needed). */
export async function loadPublicKey(file: string, flag = '--key', password?: string): Promise<KeyObject> {
  const text = await readKeyFile(file, flag);
  const block = decodePem(text, file);
  if ((ENCRYPTED_KEY_LABELS as readonly string[]).includes(block.label)) {
    if (password === undefined)
      throw new UsageError(
        `${flag} ${file} is a private key: pass the public key (cosign.pub), or set COSIGN_PASSWORD to use the private key`,
      );
    return createPublicKey(decryptPrivateKey(text, password, file));
  }
  try {
    return createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not a public key (${block.label}) — pass the PEM public key (cosign.pub)`, {
      cause: error,
    });
  }
}

/** The public key as PEM (SPKI), the form of cosign.pub. */
export function publicKeyPem(key: KeyObject): string {
  return encodePem('PUBLIC KEY', spkiOf(key).export({ format: 'der', type: 'spki' }));
}

/** sha256 of the SPKI DER: names a key without showing it. */
export function keyFingerprint(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(spkiOf(key).export({ format: 'der', type: 'spki' }))
    .digest('hex')}`;
}

/** The public half of a key (Node 20's createPublicKey refuses a public KeyObject). */
export function spkiOf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}
