import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv, repoRoot, tempDir } from '@pilot/core/testing';
import { attestationState } from './store/state.ts';
import { makeRelease } from './store/testing.ts';

/** `pnpm attest …` as a detached process (the way pilot starts it in the background), without blocking the test. */
async function spawnAttest(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
  const r = await shell({
    cwd,
    env: { ...env, NO_COLOR: '1' },
    inheritEnv: false,
    nothrow: true,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })`${process.execPath} ${cliArgv('attest')} ${args}`;
  return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

// The repository's own pilot.config.ts (service.package @pilot/demo-app) with the state in a temp dir: the SBOM is made from
// the workspace package itself, so the release folder can be a small fixture (the orchestrator's tests build real ones).
test('pnpm attest end to end for @pilot/demo-app: two concurrent detached runs, files, verify, tamper → exit 1', async (t) => {
  const dir = await tempDir(t);
  const state = join(dir, 'state');
  const env = { ...process.env, PILOT_STATE_DIR: state, COSIGN_PASSWORD: 'pw' };
  const { archive } = await makeRelease(state, 'v1', {
    'package.json': '{"name":"@pilot/demo-app","version":"1.0.0"}\n',
    'server.js': 'console.log("hi")\n',
  });
  const key = join(dir, 'cosign');
  assert.equal((await spawnAttest(['keygen', '--output-key-prefix', key], env)).status, 0);

  const runs = await Promise.all([
    spawnAttest(['--key', `${key}.key`], env),
    spawnAttest(['--release', 'v1', '--key', `${key}.key`], env),
  ]);
  assert.deepEqual(
    runs.map((r) => r.status),
    [0, 0],
    runs.map((r) => r.stderr).join('\n'),
  );
  const outputs = runs.map((r) => r.stdout).sort();
  assert.match(outputs.join('\n'), /release v1 \(sha256:[0-9a-f]{64}\) is already attested \(signed\)/);
  assert.match(outputs.join('\n'), /✓ release v1 signed/);

  const out = join(state, 'attestations', 'v1');
  assert.deepEqual((await readdir(out)).sort(), [
    'manifest.json',
    'provenance.intoto.jsonl',
    'release.bundle.json',
    'release.sig',
    'sbom-pilot-demo-app.cdx.json',
  ]);
  assert.deepEqual(
    (await readdir(join(state, 'attestations'))).sort(),
    ['.locks', 'v1'],
    'no temp folder or failure record left',
  );
  assert.deepEqual(await readdir(join(state, 'attestations', '.locks')), [], 'lock released');
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'signed');
  assert.match(manifest.publicKeyFingerprint, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await attestationState(repoRoot, 'v1', env)).state, 'signed');

  const verify = () => spawnAttest(['verify', '--release', 'v1', '--key', `${key}.pub`], env);
  // verify, and the single-file verbs on what `pnpm attest` wrote.
  const checks = [
    ['verify-blob', '--signature', join(out, 'release.sig')],
    ['verify-blob', '--bundle', join(out, 'release.bundle.json')],
    ['verify-blob-attestation', '--signature', join(out, 'provenance.intoto.jsonl')],
  ];
  const results = await Promise.all([
    verify(),
    ...checks.map((args) => spawnAttest([args[0], '--key', `${key}.pub`, ...args.slice(1), archive], env)),
  ]);
  for (const r of results) assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);

  const original = await readFile(archive);
  await appendFile(archive, 'x');
  const tampered = await verify();
  assert.equal(tampered.status, 1);
  assert.match(tampered.stdout, /release archive .*v1\.tar\.gz hashes to sha256:[0-9a-f]+, not the attested/);
  await writeFile(archive, original);
  await appendFile(join(out, 'sbom-pilot-demo-app.cdx.json'), ' ');
  assert.match((await verify()).stdout, /sbom-pilot-demo-app\.cdx\.json hashes to .* \(changed after attestation\)/);
  assert.equal(existsSync(join(state, 'attestations', 'v1.failed.json')), false);
});

test('pnpm attest sign-blob / verify-blob round trip on the CLI; bad input is exit 2 naming the flag', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, COSIGN_PASSWORD: 'pw' };
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => spawnAttest(args, { ...env, ...extra }, dir);
  await writeFile(join(dir, 'blob'), 'hello');
  await writeFile(join(dir, 'other'), 'hellO');
  assert.equal((await run(['keygen'])).status, 0);
  assert.equal(
    (await run(['sign-blob', '--key', 'cosign.key', '--bundle', 'b.json', '--output-signature', 'b.sig', 'blob']))
      .status,
    0,
  );
  const [ok, bad, wrong, missing, neither] = await Promise.all([
    run(['verify-blob', '--key', 'cosign.pub', '--bundle', 'b.json', 'blob']),
    run(['verify-blob', '--key', 'cosign.pub', '--bundle', 'b.json', 'other']),
    run(['sign-blob', '--key', 'cosign.key', 'blob'], { COSIGN_PASSWORD: 'nope' }),
    run(['verify-blob', '--key', 'nope.pub', '--signature', 'b.sig', 'blob']),
    run(['verify-blob', '--key', 'cosign.pub', 'blob']),
  ]);
  assert.equal(ok.stdout.trim(), 'Verified OK');
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /digest does not match the file/);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /wrong password for cosign\.key \(COSIGN_PASSWORD\)/);
  assert.doesNotMatch(wrong.stderr + wrong.stdout, /nope/);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--key "nope\.pub": cannot read it \(ENOENT\)/);
  assert.equal(neither.status, 2);
  assert.match(neither.stderr, /exactly one of --signature SIG or --bundle B/);
});
