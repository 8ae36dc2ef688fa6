import assert from 'node:assert/strict';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyFiles } from '@pilot/attest';
import { FIXTURES, REPO_ROOT, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const ATTEST = join(REPO_ROOT, 'scripts', 'attest.ts');
const JUNIT_GREEN =
  '<?xml version="1.0"?>\n<testsuites><testsuite name="unit" tests="1"><testcase name="a"/></testsuite></testsuites>\n';
const PASSWORD = { COSIGN_PASSWORD: 'correct horse' };

test('gate attestation criterion on a real attestation: pilot waits for its background attestation at the gate step; verified against the pinned key; a changed file or another signer fails, naming it', async (t) => {
  const keys = await makeRepo({ service: false });
  t.after(() => keys.cleanup());
  const ours = await generateKeyFiles(join(keys.root, 'ours'), PASSWORD.COSIGN_PASSWORD);
  const theirs = await generateKeyFiles(join(keys.root, 'theirs'), PASSWORD.COSIGN_PASSWORD);
  const attest = { onDeploy: true, key: ours.privateKey, publicKey: ours.publicKey };
  const repo = await makeRepo({
    attest,
    env: { requireAttestation: true },
    extraEnvs: { production: { requireAttestation: true, gate: true, backup: { enabled: false } } },
  });
  t.after(() => repo.cleanup());
  const ciResult = join(repo.root, '..', 'green.xml');
  await writeFile(ciResult, JUNIT_GREEN);

  // A deployment's gate step runs right after the build, while the background attestation is still being made: it waits.
  const refused = await runScript(PILOT, ['--env', 'production'], repo.root, {
    ...PASSWORD,
    PILOT_CI_RESULT: ciResult,
  });
  assert.equal(refused.code, 3, refused.all);
  assert.match(refused.stderr, /✗ rollback drill: no rollback drill recorded on production/);
  assert.doesNotMatch(refused.stderr, /✗ attestation/);
  const version = /NO-GO for (\S+) on production/.exec(refused.stderr)![1];
  const sheet = await readFile(join(repo.root, '.pilot', 'signoff', `production-${version}.md`), 'utf8');
  assert.match(
    sheet,
    /\| attestation \| ✓ pass \| attestation of \S+ verified against the pinned signer \(builtin [^|]*\) \| archive digest sha256:\w+; \d+ attestation files match the manifest; release\.sig; release\.bundle\.json; provenance\.intoto\.jsonl/,
  );

  const gate = () => runScript(PILOT, ['gate', '--env', 'staging', '--release', version], repo.root);
  const line = (out: string) => /^ {2}. attestation: .*$/m.exec(out)?.[0] ?? out;
  assert.match(line((await gate()).stdout), /✓ attestation: attestation of \S+ verified against the pinned signer/);

  // A file of the attestation changed after signing.
  const dir = join(repo.root, '.pilot', 'attestations', version);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  const changed = Object.keys(manifest.files)[0];
  await appendFile(join(dir, changed), ' ');
  assert.match(
    line((await gate()).stdout),
    new RegExp(
      `✗ attestation: attestation of \\S+ fails verification: ${changed.replaceAll('.', '\\.')} hashes to sha256:\\w+, not sha256:\\w+ \\(changed after attestation\\)`,
    ),
  );

  // Attested again, intact, but signed with a key that is not the pinned one: its own key would verify it; the pin does not.
  await rm(dir, { recursive: true });
  const other = await runScript(ATTEST, ['--release', version, '--key', theirs.privateKey], repo.root, PASSWORD);
  assert.equal(other.code, 0, other.all);
  assert.match(
    line((await gate()).stdout),
    /✗ attestation: attestation of \S+ fails verification: release\.sig does not verify for the archive with this public key/,
  );
});
