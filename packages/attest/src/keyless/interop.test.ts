import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv } from '@pilot/core/testing';
import { loadTrustedRoot } from './trusted-root.ts';
import {
  type KeylessCheck,
  type KeylessIdentity,
  verifyArchiveBundle,
  verifyProvenanceBundle,
} from './verify-keyless.ts';

const VECTORS = new URL('./fixtures/conformance/', import.meta.url).pathname;
const BEACON: KeylessIdentity = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
};

/** Pilot's verifier on one conformance vector: a message signature over the artifact, or a DSSE attestation about it. */
async function verifyVector(name: string, identityOverride?: KeylessIdentity): Promise<KeylessCheck> {
  const dir = join(VECTORS, name);
  const read = (file: string) => readFileSync(join(dir, file), 'utf8').trim();
  const artifact = readFileSync(existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(VECTORS, 'a.txt'));
  const identity =
    identityOverride ??
    (existsSync(join(dir, 'identity')) ? { subject: read('identity'), issuer: read('issuer') } : BEACON);
  const trust = await loadTrustedRoot(
    existsSync(join(dir, 'trusted_root.json')) ? join(dir, 'trusted_root.json') : undefined,
  );
  let bundle: { dsseEnvelope?: unknown };
  try {
    bundle = JSON.parse(read('bundle.sigstore.json'));
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  return bundle.dsseEnvelope
    ? verifyProvenanceBundle(bundle, createHash('sha256').update(artifact).digest('hex'), trust.material, identity)
    : verifyArchiveBundle(bundle, artifact, trust.material, identity);
}

const names = readdirSync(VECTORS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

test('interop: Sigstore conformance-suite bundles (v0.3 message signature and DSSE on the public-good root shipped with sigstore-js, DSSE on a custom root) verify offline; each _fail vector is refused', async () => {
  assert.equal(names.length, 11);
  const results = await Promise.all(names.map(async (name) => ({ name, ...(await verifyVector(name)) })));
  for (const r of results) {
    if (r.name.endsWith('_fail')) assert.ok(r.problem, `${r.name} must be refused`);
    else assert.equal(r.problem, undefined, `${r.name}: ${r.problem}`);
  }
  const reason = (name: string) => results.find((r) => r.name === name)?.problem ?? '';
  assert.deepEqual(results.find((r) => r.name === 'happy-path-v0.3')?.signer, BEACON);
  assert.match(
    reason('message-digest-mismatch_fail'),
    /the file hashes to sha256:[0-9a-f]{64}, but the bundle signs sha256:/,
  );
  assert.match(reason('signature-mismatch_fail'), /^TLOG_BODY_ERROR: signature mismatch$/);
  assert.match(
    reason('inclusion-proof-corrupted-hash_fail'),
    /^TLOG_INCLUSION_PROOF_ERROR: calculated root hash does not match inclusion proof$/,
  );
  assert.match(reason('intoto-missing-inclusion-proof_fail'), /not a valid sigstore bundle \(invalid v0\.2 bundle\)/);
  assert.match(reason('bundle-from-wrong-instance_fail'), /^CERTIFICATE_ERROR: Failed to verify certificate chain$/);
  assert.match(reason('dsse-mismatch-sig_fail'), /^TLOG_BODY_ERROR: tlog entry signature mismatch$/);
  assert.match(reason('integrated-time-in-future_fail'), /^CERTIFICATE_ERROR/);
});

test('interop: a genuine public-good bundle is refused for another identity, naming both', async () => {
  const other = await verifyVector('happy-path-v0.3', {
    issuer: BEACON.issuer,
    subject: 'https://github.com/acme/shop/.github/workflows/deploy.yml@refs/heads/main',
  });
  assert.match(
    other.problem!,
    /signed by another identity \(subject differ\): the certificate names https:\/\/github\.com\/sigstore-conformance\/extremely-dangerous-public-oidc-beacon\/\S+ \(issuer https:\/\/token\.actions\.githubusercontent\.com\), attest\.identity expects https:\/\/github\.com\/acme\/shop\//,
  );
  const dsse = await verifyVector('happy-path-intoto-in-dsse-v3', {
    issuer: 'https://accounts.google.com',
    subject: BEACON.subject,
  });
  assert.match(dsse.problem!, /\(issuer differ\)/);
});

test('interop on the CLI: pnpm attest verify-blob / verify-blob-attestation check conformance bundles keylessly — exit 0, 1 with the reason, 2 for a missing flag', async () => {
  const cli = async (args: string[]) => {
    const r = await shell({
      cwd: VECTORS,
      env: { NO_COLOR: '1' },
      nothrow: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    })`${process.execPath} ${cliArgv('attest')} ${args}`;
    return { status: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
  };
  const who = ['--certificate-identity', BEACON.subject, '--certificate-oidc-issuer', BEACON.issuer];
  const [ok, dsse, other, bad, half] = await Promise.all([
    cli(['verify-blob', '--bundle', 'happy-path-v0.3/bundle.sigstore.json', ...who, 'a.txt']),
    cli([
      'verify-blob-attestation',
      '--bundle',
      'intoto-with-custom-trust-root/bundle.sigstore.json',
      '--trusted-root',
      'intoto-with-custom-trust-root/trusted_root.json',
      ...who,
      'intoto-with-custom-trust-root/artifact',
    ]),
    cli([
      'verify-blob',
      '--bundle',
      'happy-path-v0.3/bundle.sigstore.json',
      '--certificate-identity',
      'https://github.com/acme/shop/.github/workflows/deploy.yml@refs/heads/main',
      '--certificate-oidc-issuer',
      BEACON.issuer,
      'a.txt',
    ]),
    cli(['verify-blob', '--bundle', 'inclusion-proof-corrupted-hash_fail/bundle.sigstore.json', ...who, 'a.txt']),
    cli([
      'verify-blob',
      '--bundle',
      'happy-path-v0.3/bundle.sigstore.json',
      '--certificate-identity',
      BEACON.subject,
      'a.txt',
    ]),
  ]);
  assert.equal(ok.status, 0, ok.out);
  assert.match(
    ok.out,
    /Verified OK \(signed by https:\/\/github\.com\/sigstore-conformance\/\S+, issuer https:\/\/token\.actions\.githubusercontent\.com; Rekor entry checked\)/,
  );
  assert.equal(dsse.status, 0, dsse.out);
  assert.match(dsse.out, /Verified OK \(https:\/\/slsa\.dev\/provenance\/v1/);
  assert.equal(other.status, 1);
  assert.match(other.out, /✗ a\.txt: signed by another identity \(subject differ\)/);
  assert.equal(bad.status, 1);
  assert.match(bad.out, /TLOG_INCLUSION_PROOF_ERROR: calculated root hash does not match inclusion proof/);
  assert.equal(half.status, 2);
  assert.match(
    half.out,
    /attest verify-blob: --certificate-oidc-issuer is missing — pass both --certificate-identity and --certificate-oidc-issuer/,
  );
});
