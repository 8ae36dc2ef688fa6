import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv, tempDir } from '@pilot/core/testing';
import { makeRelease } from '../store/testing.ts';
import { signKeyless } from './sign-keyless.ts';
import { startSigstoreStandIns, standInToken } from './testing.ts';

const ISSUER = 'https://token.stand-in.test';
const SUBJECT = 'https://github.com/acme/shop/.github/workflows/deploy.yml@refs/heads/main';

async function attestCli(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = await shell({
    cwd,
    env: { ...env, NO_COLOR: '1' },
    inheritEnv: false,
    nothrow: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })`${process.execPath} ${cliArgv('attest')} ${args}`;
  return { status: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

/** Rewrites an attestation file and its sha256 in the manifest, so only the signature checks can catch the change. */
async function rewrite(dir: string, name: string, edit: (json: Record<string, unknown>) => unknown) {
  const file = join(dir, name);
  const text = `${JSON.stringify(edit(JSON.parse(await readFile(file, 'utf8'))), null, 2)}\n`;
  await writeFile(file, text);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  manifest.files[name] = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

test('keyless attest + verify against stand-in Fulcio and Rekor on loopback (@sigstore/mock): v0.3 bundles, identity enforced, each forgery refused with its reason', async (t) => {
  const standIns = await startSigstoreStandIns();
  t.after(() => standIns.close());
  const dir = await tempDir(t);
  await writeFile(join(dir, 'trusted_root.json'), JSON.stringify(standIns.trustedRoot));
  const sigstore = { fulcioUrl: standIns.fulcioUrl, rekorUrl: standIns.rekorUrl, trustedRoot: 'trusted_root.json' };
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default ${JSON.stringify({ service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: 18081 } }, attest: { keyless: true, identity: { issuer: ISSUER, subject: SUBJECT }, sigstore } })};\n`,
  );
  const state = join(dir, '.pilot');
  const token = standInToken({ iss: ISSUER, sub: SUBJECT });
  const env = { ...process.env, PILOT_STATE_DIR: state, SIGSTORE_ID_TOKEN: token, COSIGN_PASSWORD: undefined };
  const { archive } = await makeRelease(state, 'v1', { 'server.js': 'console.log("hi")\n' });

  const signed = await attestCli(['--release', 'v1'], dir, env);
  assert.equal(signed.status, 0, signed.out);
  assert.match(signed.out, /✓ release v1 signed/);
  assert.match(signed.out, /keyless, sigstore-js/);
  const out = join(state, 'attestations', 'v1');
  assert.deepEqual((await readdir(out)).sort(), [
    'manifest.json',
    'provenance.bundle.json',
    'provenance.intoto.jsonl',
    'release.bundle.json',
    'release.sig',
  ]);
  for (const name of ['release.bundle.json', 'provenance.bundle.json']) {
    const bundle = JSON.parse(await readFile(join(out, name), 'utf8'));
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json', name);
    assert.ok(bundle.verificationMaterial.certificate.rawBytes, `${name}: a Fulcio leaf certificate`);
    assert.equal(bundle.verificationMaterial.tlogEntries.length, 1, `${name}: a Rekor entry`);
  }
  assert.ok(JSON.parse(await readFile(join(out, 'release.bundle.json'), 'utf8')).messageSignature);
  assert.equal(
    JSON.parse(await readFile(join(out, 'provenance.bundle.json'), 'utf8')).dsseEnvelope.payloadType,
    'application/vnd.in-toto+json',
  );
  assert.equal(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).signer.kind, 'sigstore-keyless');
  assert.deepEqual(standIns.requests, [
    'POST /api/v2/signingCert',
    'POST /api/v1/log/entries',
    'POST /api/v2/signingCert',
    'POST /api/v1/log/entries',
  ]);
  // The OIDC token is a credential: in no output, no file.
  assert.doesNotMatch(signed.out, new RegExp(token.split('.')[1]));
  for (const name of await readdir(out))
    assert.doesNotMatch(await readFile(join(out, name), 'utf8'), new RegExp(token.split('.')[1]), name);

  const verify = (...extra: string[]) =>
    attestCli(['verify', '--release', 'v1', ...extra], dir, { ...env, SIGSTORE_ID_TOKEN: undefined });
  const ok = await verify();
  assert.equal(ok.status, 0, ok.out);
  assert.match(
    ok.out,
    new RegExp(
      `release\\.bundle\\.json \\(keyless signature, Rekor entry, signed by ${SUBJECT.replace(/[./]/g, '\\$&')} via https://token\\.stand-in\\.test\\)`,
    ),
  );
  assert.match(ok.out, /provenance\.bundle\.json \(DSSE, Rekor entry, same identity, subject = archive\)/);

  // A valid signature by another identity, or the right subject from another issuer: refused, naming both.
  const other = await verify(
    '--certificate-identity',
    'https://github.com/evil/fork/.github/workflows/deploy.yml@refs/heads/main',
    '--certificate-oidc-issuer',
    ISSUER,
  );
  assert.equal(other.status, 1);
  assert.match(
    other.out,
    /signed by another identity \(subject differ\): the certificate names https:\/\/github\.com\/acme\/shop\/\S+ \(issuer https:\/\/token\.stand-in\.test\), attest\.identity expects https:\/\/github\.com\/evil\/fork\/\S+ \(issuer https:\/\/token\.stand-in\.test\)/,
  );
  const issuer = await verify(
    '--certificate-identity',
    SUBJECT,
    '--certificate-oidc-issuer',
    'https://accounts.example.com',
  );
  assert.equal(issuer.status, 1);
  assert.match(
    issuer.out,
    /signed by another identity \(issuer differ\): .*\(issuer https:\/\/token\.stand-in\.test\), attest\.identity expects .*\(issuer https:\/\/accounts\.example\.com\)/,
  );
  const half = await verify('--certificate-identity', SUBJECT);
  assert.equal(half.status, 2);
  assert.match(half.out, /--certificate-oidc-issuer is missing — pass both/);

  // Signed for real by another identity (its own token), verified against attest.identity.
  await makeRelease(state, 'v2', { 'server.js': 'console.log("v2")\n' });
  const intruder = await attestCli(['--release', 'v2'], dir, {
    ...env,
    SIGSTORE_ID_TOKEN: standInToken({ iss: 'https://accounts.example.com', sub: 'mallory@example.com' }),
  });
  assert.equal(intruder.status, 0, intruder.out);
  const refused = await attestCli(['verify', '--release', 'v2'], dir, env);
  assert.equal(refused.status, 1);
  assert.match(
    refused.out,
    /release\.bundle\.json: signed by another identity \(subject and issuer differ\): the certificate names mallory@example\.com \(issuer https:\/\/accounts\.example\.com\), attest\.identity expects https:\/\/github\.com\/acme\/shop\/.* \(issuer https:\/\/token\.stand-in\.test\)/,
  );

  // A tampered archive.
  const original = await readFile(archive);
  await appendFile(archive, 'x');
  const tampered = await verify();
  assert.equal(tampered.status, 1);
  assert.match(
    tampered.out,
    /release\.bundle\.json: the file hashes to sha256:[0-9a-f]{64}, but the bundle signs sha256:[0-9a-f]{64} \(the file was changed/,
  );
  assert.match(
    tampered.out,
    /provenance\.bundle\.json: the provenance’s subject \(v1\.tar\.gz sha256:[0-9a-f]{64}\) is not the archive/,
  );
  await writeFile(archive, original);

  // A provenance validly signed by the right identity whose subject is another digest.
  const elsewhere = await signKeyless({
    archive: Buffer.from('x'),
    statement: Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'v1.tar.gz', digest: { sha256: 'ab'.repeat(32) } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: {},
      }),
    ),
    ...sigstore,
    env: { SIGSTORE_ID_TOKEN: token },
  });
  await rewrite(out, 'provenance.bundle.json', () => elsewhere.provenanceBundle);
  const wrongSubject = await verify();
  assert.equal(wrongSubject.status, 1);
  assert.match(
    wrongSubject.out,
    new RegExp(
      `provenance\\.bundle\\.json: the provenance’s subject \\(v1\\.tar\\.gz sha256:${'ab'.repeat(32)}\\) is not the archive \\(sha256:[0-9a-f]{64}\\)`,
    ),
  );

  // A bundle without its transparency-log entry.
  await rewrite(out, 'release.bundle.json', (b) => ({
    ...b,
    verificationMaterial: { ...(b.verificationMaterial as object), tlogEntries: [] },
  }));
  const unlogged = await verify();
  assert.equal(unlogged.status, 1);
  assert.match(unlogged.out, /release\.bundle\.json: the bundle has no transparency-log entry \(Rekor\)/);
});

test('keyless signing with no OIDC token (outside CI, no SIGSTORE_ID_TOKEN) fails saying how to get one, and leaves a failure record', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default ${JSON.stringify({ service: { name: 'svc', dir: '.', start: ['node', 's.js'] }, environments: { staging: { port: 18082 } }, attest: { keyless: true, sigstore: { fulcioUrl: 'http://127.0.0.1:9', rekorUrl: 'http://127.0.0.1:9' } } })};\n`,
  );
  const state = join(dir, '.pilot');
  await makeRelease(state, 'v1', { 'a.js': '1\n' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PILOT_STATE_DIR: state,
    SIGSTORE_ID_TOKEN: undefined,
    ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
  };
  const r = await attestCli(['--release', 'v1'], dir, env);
  assert.equal(r.status, 1, r.out);
  assert.match(
    r.out,
    /keyless signing needs an OIDC token: run it in GitHub Actions with `permissions: id-token: write`, or set SIGSTORE_ID_TOKEN/,
  );
  assert.match(await readFile(join(state, 'attestations', 'v1.failed.json'), 'utf8'), /needs an OIDC token/);
});
