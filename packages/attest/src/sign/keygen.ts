import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { RefusedError, writeFileAtomic } from '@pilot/core';
import { encryptPrivateKey } from './cosign-key.ts';
import { publicKeyPem } from './keys.ts';

/** Writes `<prefix>.key` (cosign-encrypted P-256 key, mode 600) and `<prefix>.pub`; refuses to overwrite. */
export async function generateKeyFiles(
  prefix: string,
  password: string,
): Promise<{ privateKey: string; publicKey: string }> {
  const files = { privateKey: `${prefix}.key`, publicKey: `${prefix}.pub` };
  for (const file of Object.values(files)) {
    if (existsSync(file))
      throw new RefusedError(`${file} already exists — move it away or pick another --output-key-prefix`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFileAtomic(files.privateKey, encryptPrivateKey(privateKey, password), 0o600);
  await writeFileAtomic(files.publicKey, publicKeyPem(publicKey));
  return files;
}
