import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { signBlob, verifyBlob } from './blob.ts';
import { checkBundle, createBundle } from './bundle.ts';
import { decryptPrivateKey } from './cosign-key.ts';
import { generateKeyFiles } from './keygen.ts';
import { keyFingerprint, loadPrivateKey, loadPublicKey, publicKeyPem } from './keys.ts';

const VECTORS = new URL('../../../../../shared/testdata/cosign/', import.meta.url).pathname;

test('decrypts cosign’s own encrypted key (testdata, password "hello") to a P-256 key', async () => {
  const key = decryptPrivateKey(
    await readFile(join(VECTORS, 'cosign-sigstore.key'), 'utf8'),
    'hello',
    'cosign-sigstore.key',
  );
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  // A signature made with it verifies with its own public half.
  const data = Buffer.from('pilot');
  assert.ok(verifyBlob(data, signBlob(data, key), createPublicKey(key)));
});

test('wrong password → a clear UsageError naming the key and COSIGN_PASSWORD', async () => {
  const pem = await readFile(join(VECTORS, 'cosign-sigstore.key'), 'utf8');
  assert.throws(
    () => decryptPrivateKey(pem, 'nope', 'cosign-sigstore.key'),
    (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /wrong password for cosign-sigstore\.key \(COSIGN_PASSWORD\)/);
      assert.doesNotMatch(error.message, /nope/);
      return true;
    },
  );
});

test('keygen output decrypts with our reader and its public key matches cosign.pub written beside it', async (t) => {
  const dir = await tempDir(t);
  const files = await generateKeyFiles(join(dir, 'cosign'), 'secret');
  const pem = await readFile(files.privateKey, 'utf8');
  assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  const body = JSON.parse(Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64').toString('utf8'));
  assert.deepEqual(body.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.equal(body.cipher.name, 'nacl/secretbox');
  const key = await loadPrivateKey(files.privateKey, 'secret');
  const pub = await loadPublicKey(files.publicKey);
  assert.equal(keyFingerprint(pub), keyFingerprint(createPublicKey(key)));
  assert.equal(publicKeyPem(pub), await readFile(files.publicKey, 'utf8'));
  await assert.rejects(generateKeyFiles(join(dir, 'cosign'), 'secret'), /already exists/);
});

test('sign/verify round trip with a signature and with a bundle; tampering fails with a reason', async (t) => {
  const dir = await tempDir(t);
  const files = await generateKeyFiles(join(dir, 'k'), '');
  const key = await loadPrivateKey(files.privateKey, '');
  const pub = await loadPublicKey(files.publicKey);
  const other = await loadPublicKey(join(VECTORS, 'cosign.pub'));
  const blob = Buffer.from('release bytes');
  const sig = signBlob(blob, key);
  assert.ok(verifyBlob(blob, sig, pub));
  assert.equal(verifyBlob(Buffer.from('release bytez'), sig, pub), false, 'tampered blob');
  assert.equal(
    verifyBlob(blob, Buffer.from(sig, 'base64').reverse().toString('base64'), pub),
    false,
    'tampered signature',
  );
  assert.equal(verifyBlob(blob, sig, other), false, 'another key');
  const bundle = createBundle(blob, sig, key);
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  assert.equal(checkBundle(bundle, blob, pub), undefined);
  assert.match(checkBundle(bundle, Buffer.from('x'), pub)!, /digest does not match the file/);
  assert.match(checkBundle(bundle, blob, other)!, /does not verify with this public key/);
  const forged = structuredClone(bundle);
  forged.messageSignature!.signature = signBlob(Buffer.from('x'), key);
  assert.match(checkBundle(forged, blob, pub)!, /does not verify/);
  assert.match(checkBundle({ hello: 1 }, blob, pub)!, /not a sigstore bundle/);
  await writeFile(join(dir, 'not-a-key'), 'hello');
  await assert.rejects(loadPublicKey(join(dir, 'not-a-key')), /not a PEM file/);
});
