import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { preAuthEncoding, signEnvelope } from '../sign/dsse.ts';
import { loadPublicKey } from '../sign/keys.ts';
import { checkAttestation } from './check-attestation.ts';
import { createProvenance } from './statement.ts';

const VECTORS = new URL('../../../../../shared/testdata/cosign/', import.meta.url).pathname;

test('PAE follows the DSSE spec byte for byte', () => {
  assert.equal(
    preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  );
});

test('cosign’s DSSE provenance envelope verifies for its blob and is rejected for another blob', async () => {
  const key = await loadPublicKey(join(VECTORS, 'cosign.pub'));
  const envelope = await readFile(join(VECTORS, 'slsa-provenance.dsse.json'), 'utf8');
  const ok = checkAttestation(envelope, await readFile(join(VECTORS, 'blob')), key);
  assert.equal(ok.problem, undefined);
  assert.equal(ok.statement?.predicateType, 'https://slsa.dev/provenance/v0.2');
  assert.match(
    checkAttestation(envelope, Buffer.from('another blob'), key).problem!,
    /subject \(blob sha256:658781cd.*\) does not match the file/,
  );
  const tampered = JSON.parse(envelope);
  tampered.payload = Buffer.from(Buffer.from(tampered.payload, 'base64').toString().replace('"x"', '"y"')).toString(
    'base64',
  );
  assert.match(
    checkAttestation(JSON.stringify(tampered), await readFile(join(VECTORS, 'blob')), key).problem!,
    /no signature in the envelope verifies/,
  );
});

test('our SLSA v1 provenance, signed as DSSE, verifies and names the archive', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const archive = Buffer.from('archive bytes');
  const sha256 = createHash('sha256').update(archive).digest('hex');
  const statement = createProvenance({
    artifact: { name: 'v1.tar.gz', sha256 },
    version: 'v1',
    commit: 'abc',
    service: { name: 'demo' },
    sourceUri: 'file:///repo',
    byproducts: [],
    env: {},
  });
  const envelope = signEnvelope(Buffer.from(JSON.stringify(statement)), privateKey);
  const result = checkAttestation(JSON.stringify(envelope), archive, publicKey);
  assert.equal(result.problem, undefined);
  assert.equal(result.statement?._type, 'https://in-toto.io/Statement/v1');
  assert.equal(result.statement?.predicateType, 'https://slsa.dev/provenance/v1');
  assert.match(
    checkAttestation(JSON.stringify(envelope), Buffer.from('other'), publicKey).problem!,
    /does not match the file/,
  );
});
