import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSigstoreStandIns, standInToken } from '@pilot/attest/testing';
import { openEnv } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { deploy } from '../engine/deploy.ts';
import { standInAnalysis } from '../testing/probe-analysis.ts';
import { makeRepo, memoryLogger } from '../testing/repo.ts';

const ISSUER = 'https://token.stand-in.test';
const SUBJECT = 'https://github.com/acme/shop/.github/workflows/deploy.yml@refs/heads/main';

test('requireAttestation with keyless (stand-in Fulcio and Rekor on loopback): promotion verifies signature, Rekor entry, identity and provenance subject; a release signed by another identity rolls back naming both', async (t) => {
  const standIns = await startSigstoreStandIns();
  t.after(() => standIns.close());
  const dir = await tempDir(t);
  const trustedRoot = join(dir, 'trusted_root.json');
  await writeFile(trustedRoot, JSON.stringify(standIns.trustedRoot));
  // The background attestation is a child process: it reads the token from the environment, as in CI.
  const before = process.env.SIGSTORE_ID_TOKEN;
  process.env.SIGSTORE_ID_TOKEN = standInToken({ iss: ISSUER, sub: SUBJECT });
  t.after(() => {
    if (before === undefined) delete process.env.SIGSTORE_ID_TOKEN;
    else process.env.SIGSTORE_ID_TOKEN = before;
  });
  const sigstore = { fulcioUrl: standIns.fulcioUrl, rekorUrl: standIns.rekorUrl, trustedRoot };
  const deployWith = async (subject: string) => {
    const repo = await makeRepo({
      attest: { onDeploy: true, keyless: true, identity: { issuer: ISSUER, subject }, sigstore },
      env: { requireAttestation: true },
    });
    t.after(() => repo.cleanup());
    const { log, lines } = memoryLogger();
    const ctx = await openEnv(repo.root, 'staging', log);
    return {
      ctx,
      lines,
      result: await deploy({ ctx, log, signal: new AbortController().signal, analysis: standInAnalysis() }),
    };
  };

  const ok = await deployWith(SUBJECT);
  assert.equal(ok.result.outcome, 'succeeded', ok.result.reason);
  assert.ok(
    ok.lines.some((l) => l.includes('"attestation.verified"')),
    'verified before promotion',
  );
  const manifest = JSON.parse(
    await readFile(join(ok.ctx.paths.attestations(ok.result.release.version), 'manifest.json'), 'utf8'),
  );
  assert.equal(manifest.signer.kind, 'sigstore-keyless');
  assert.ok(manifest.files['provenance.bundle.json']);

  const other = await deployWith('https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main');
  assert.equal(other.result.exitCode, 1);
  assert.match(
    other.result.reason ?? '',
    /requires a verified attestation .*signed by another identity \(subject differ\): the certificate names https:\/\/github\.com\/acme\/shop\/\.github\/workflows\/deploy\.yml@refs\/heads\/main \(issuer https:\/\/token\.stand-in\.test\), attest\.identity expects https:\/\/github\.com\/acme\/shop\/\.github\/workflows\/release\.yml@refs\/heads\/main/,
  );
});
