import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pilot/core/testing';
import { cosignSignBlob, cosignVerifyBlob } from './cosign.ts';
import { detectCosign, requireCosign } from './version.ts';

/** A stand-in `cosign` executable (no cosign binary installs here): records argv and COSIGN_PASSWORD, answers `version`, writes a bundle. */
async function standInCosign(
  dir: string,
  version: string,
): Promise<{ env: NodeJS.ProcessEnv; calls: () => Promise<string[][]> }> {
  const log = join(dir, 'argv.log');
  const script = `#!/bin/sh
if [ "$1" = version ]; then printf '  ______\\nGitVersion:    v${version}\\nGitCommit:     abc\\n'; exit 0; fi
{ printf 'PW=%s' "\${COSIGN_PASSWORD-unset}"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "${log}"
prev=""; for a in "$@"; do if [ "$prev" = --bundle ] && [ "$1" = sign-blob ]; then printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AA=="},"signature":"c2ln"}}' > "$a"; fi; prev="$a"; done
case "$*" in *wrong*) echo "error: decrypt: encrypted: decryption failed" >&2; exit 1;; esac
exit 0
`;
  await writeFile(join(dir, 'cosign'), script);
  await chmod(join(dir, 'cosign'), 0o755);
  const env = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH}`, COSIGN_PASSWORD: undefined };
  const calls = async () =>
    (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
  return { env, calls };
}

test('cosign wrapper against a stand-in cosign 2.x executable on PATH that records its argv', async (t) => {
  const dir = await tempDir(t);
  const { env, calls } = await standInCosign(dir, '2.4.1');
  assert.deepEqual(await detectCosign(env), { version: '2.4.1', major: 2 });
  const bundle = join(dir, 'b.json');
  const signed = await cosignSignBlob({ file: 'blob', key: 'cosign.key', bundle, env, password: 'pw' });
  assert.equal(signed.signature, 'c2ln');
  await cosignSignBlob({ file: 'blob', bundle, env });
  assert.equal(await cosignVerifyBlob({ file: 'blob', key: 'cosign.pub', bundle, env }), undefined);
  const [keyed, keyless, verify] = await calls();
  assert.deepEqual(keyed, [
    'PW=pw',
    'sign-blob',
    '--yes',
    '--bundle',
    bundle,
    '--key',
    'cosign.key',
    '--new-bundle-format=true',
    '--tlog-upload=false',
    'blob',
  ]);
  // COSIGN_PASSWORD is set even without a password, so cosign never reads stdin.
  assert.deepEqual(keyless, ['PW=', 'sign-blob', '--yes', '--bundle', bundle, '--new-bundle-format=true', 'blob']);
  assert.deepEqual(verify, [
    'PW=',
    'verify-blob',
    '--key',
    'cosign.pub',
    '--insecure-ignore-tlog=true',
    '--bundle',
    bundle,
    '--new-bundle-format=true',
    'blob',
  ]);
  await assert.rejects(
    cosignSignBlob({ file: 'blob', key: 'wrong.key', bundle, env, password: 'x' }),
    /wrong password for wrong\.key \(COSIGN_PASSWORD\)/,
  );
});

test('cosign wrapper against a stand-in cosign 3.x executable on PATH: explicit offline flags for key signing', async (t) => {
  const dir = await tempDir(t);
  const { env, calls } = await standInCosign(dir, '3.0.2');
  const bundle = join(dir, 'b.json');
  await cosignSignBlob({ file: 'blob', key: 'cosign.key', bundle, env, password: 'pw' });
  await cosignSignBlob({ file: 'blob', bundle, env });
  await cosignVerifyBlob({ file: 'blob', key: 'cosign.pub', signature: 'blob.sig', env });
  const [keyed, keyless, verify] = await calls();
  assert.deepEqual(keyed.slice(1), [
    'sign-blob',
    '--yes',
    '--bundle',
    bundle,
    '--key',
    'cosign.key',
    '--new-bundle-format=true',
    '--use-signing-config=false',
    '--tlog-upload=false',
    'blob',
  ]);
  assert.deepEqual(keyless.slice(1), ['sign-blob', '--yes', '--bundle', bundle, 'blob']);
  assert.deepEqual(verify.slice(1), [
    'verify-blob',
    '--key',
    'cosign.pub',
    '--insecure-ignore-tlog=true',
    '--signature',
    'blob.sig',
    '--new-bundle-format=false',
    'blob',
  ]);
});

test('missing cosign → a clear error with the install hint', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, PATH: dir };
  assert.equal(await detectCosign(env), undefined);
  await assert.rejects(
    requireCosign(env, 'keyless signing'),
    /cosign is not installed \(needed for keyless signing\) — install cosign/,
  );
});
