import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv, startReceiver, tempDir } from '@pilot/core/testing';
import { makeRelease } from './store/testing.ts';

const PLANTED = 'oidc-Pq73-planted-identity-token';

// Issue 24, item 7: `pnpm attest` loads the config itself, so it must teach its logger the config's secrets as openEnv does.
test('pnpm attest masks the config’s secrets: a failing signer that echoes its token leaves it in no output and no file', async (t) => {
  const dir = await tempDir(t);
  const state = join(dir, 'state');
  await makeRelease(state, 'v1', { 'server.js': 'console.log("hi")\n' });
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default {
  service: { name: 'svc', dir: '.', start: ['node', 'server.js'] },
  environments: { staging: { port: 18081, notify: ['audit'] } },
  secrets: ['SIGSTORE_ID_TOKEN'],
  attest: { signer: 'cosign', keyless: true },
  notify: { channels: { audit: { kind: 'webhook', urlEnv: 'AUDIT_HOOK' } } },
};
`,
  );
  // A stand-in cosign (none installs here) that fails the way a tool does when it quotes the credential it was given.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'cosign'),
    `#!/bin/sh
if [ "$1" = version ]; then printf 'GitVersion:    v2.4.1\\n'; exit 0; fi
echo "error: signing: identity token $SIGSTORE_ID_TOKEN was rejected by https://fulcio.example" >&2
exit 1
`,
  );
  await chmod(join(bin, 'cosign'), 0o755);
  const env = {
    ...process.env,
    PATH: `${bin}${delimiter}${process.env.PATH}`,
    PILOT_STATE_DIR: state,
    SIGSTORE_ID_TOKEN: PLANTED,
    NO_COLOR: '1',
  };
  const run = (args: string[]) =>
    shell({
      cwd: dir,
      env,
      inheritEnv: false,
      nothrow: true,
      timeout: 120_000,
    })`${process.execPath} ${cliArgv('attest')} ${args}`;

  for (const args of [[], ['--json']]) {
    const r = await run(args);
    assert.equal(r.exitCode, 1, `${r.stdout}${r.stderr}`);
    const output = `${r.stdout}${r.stderr}`;
    assert.match(
      output,
      /cosign 2\.4\.1 sign-blob failed \(exit 1\): error: signing: identity token \[REDACTED\] was rejected/,
    );
    assert.ok(!output.includes(PLANTED), output);
  }
  // The failure record `pilot status` reads, and anything else attest left in the state dir.
  const attestations = join(state, 'attestations');
  const files = (await readdir(attestations, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  assert.ok(
    files.some((f) => f.name === 'v1.failed.json'),
    `files: ${files.map((f) => f.name)}`,
  );
  for (const file of files) {
    const text = await readFile(join(file.parentPath, file.name), 'utf8');
    assert.ok(!text.includes(PLANTED), `${file.name}: ${text}`);
  }
  assert.match(await readFile(join(attestations, 'v1.failed.json'), 'utf8'), /identity token \[REDACTED\]/);

  // Started by a deployment (PILOT_ENV), a failed attestation is news for the environment's channels (issue 16).
  const receiver = await startReceiver(t);
  const url = `${receiver.url}/hook`;
  const told = await shell({
    cwd: dir,
    env: { ...env, PILOT_ENV: 'staging', AUDIT_HOOK: url },
    inheritEnv: false,
    nothrow: true,
    timeout: 120_000,
  })`${process.execPath} ${cliArgv('attest')} --release v1`;
  assert.equal(told.exitCode, 1, told.stderr);
  const heard = receiver.received.map((r) => JSON.parse(r.body) as { event: string; reason: string; version: string });
  assert.deepEqual(
    heard.map((m) => [m.event, m.version]),
    [['attestation.failed', 'v1']],
  );
  assert.match(heard[0].reason, /sign-blob failed .* identity token \[REDACTED\] was rejected/);
});
