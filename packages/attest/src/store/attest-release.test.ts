import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger, RefusedError, configSchema, currentActor } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { generateKeyFiles } from '../sign/keygen.ts';
import { attestRelease } from './attest-release.ts';
import { breakStaleLock, digestLockPath } from './lock.ts';
import { attestationState } from './state.ts';
import { makeRelease } from './testing.ts';
import { verifyAttestation } from './verify.ts';

const log = new Logger({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
// No service.package: no SBOM step, so these tests stay fast; the SBOM is covered by sbom.test.ts and the CLI test.
const config = configSchema.parse({
  service: { name: 'svc', dir: '.', start: ['node', 'x.js'] },
  environments: { staging: { port: 18080 } },
});

async function setup(t: { after(fn: () => unknown): void }) {
  const root = await tempDir(t);
  const env = { ...process.env, PILOT_STATE_DIR: join(root, '.pilot') };
  const { digest } = await makeRelease(join(root, '.pilot'), 'v1', { 'index.js': 'console.log(1)\n' });
  return { root, env, digest, attestations: join(root, '.pilot', 'attestations') };
}

test('without a key: SBOM-less unsigned attestation, verify says unsigned and how to sign', async (t) => {
  const { root, env } = await setup(t);
  const r = await attestRelease({ root, config, version: 'v1', log, env });
  assert.equal(r.status, 'unsigned');
  assert.deepEqual(Object.keys(r.files), ['provenance.intoto.jsonl']);
  assert.deepEqual(await attestationState(root, 'v1', env), {
    state: 'unsigned',
    detail: (await attestationState(root, 'v1', env)).detail,
  });
  const v = await verifyAttestation({ root, version: 'v1', env });
  assert.equal(v.ok, false);
  assert.match(v.problems.join('\n'), /unsigned — sign it: `pnpm attest keygen`/);
  // A second run without a key finds it done; a run with a key redoes it signed.
  assert.equal((await attestRelease({ root, config, version: 'v1', log, env })).status, 'already-attested');
  const keys = await generateKeyFiles(join(root, 'k'), 'pw');
  const signed = await attestRelease({ root, config, version: 'v1', key: keys.privateKey, password: 'pw', log, env });
  assert.equal(signed.status, 'signed');
  assert.equal((await verifyAttestation({ root, version: 'v1', publicKey: keys.publicKey, env })).ok, true);
  assert.equal((await attestationState(root, 'v1', env)).state, 'signed');
});

test('a failed run leaves a failure record for status; a wrong password says so; success clears the record', async (t) => {
  const { root, env, attestations } = await setup(t);
  const keys = await generateKeyFiles(join(root, 'k'), 'pw');
  await assert.rejects(
    attestRelease({ root, config, version: 'v1', key: keys.privateKey, password: 'nope', log, env }),
    /wrong password for .*k\.key \(COSIGN_PASSWORD\)/,
  );
  const state = await attestationState(root, 'v1', env);
  assert.equal(state.state, 'failed');
  assert.match(state.detail!, /wrong password/);
  assert.deepEqual(
    (await readdir(attestations)).filter((n) => !n.startsWith('.locks')),
    ['v1.failed.json'],
    'no half-written attestation folder',
  );
  // COSIGN_PASSWORD unset (a background run started without it): a failure record saying so, not "absent".
  const noPassword: NodeJS.ProcessEnv = { ...env, COSIGN_PASSWORD: undefined };
  await assert.rejects(
    attestRelease({ root, config, version: 'v1', key: keys.privateKey, log, env: noPassword }),
    /COSIGN_PASSWORD is not set/,
  );
  assert.match((await attestationState(root, 'v1', env)).detail!, /COSIGN_PASSWORD is not set/);
  await attestRelease({ root, config, version: 'v1', key: keys.privateKey, password: 'pw', log, env });
  assert.equal(existsSync(join(attestations, 'v1.failed.json')), false);
});

test('digest lock: a live holder means running (and --no-wait refuses); a dead holder’s lock is stale and taken over', async (t) => {
  const { root, env, digest, attestations } = await setup(t);
  const lock = digestLockPath(attestations, digest);
  await mkdir(join(attestations, '.locks'), { recursive: true });
  await writeFile(lock, JSON.stringify({ ...currentActor('other run'), version: 'v1', digest }));
  assert.equal((await attestationState(root, 'v1', env)).state, 'running');
  await assert.rejects(
    attestRelease({ root, config, version: 'v1', wait: false, log, env }),
    (error: Error) => error instanceof RefusedError && /being attested by pid/.test(error.message),
  );
  await writeFile(lock, JSON.stringify({ ...currentActor('killed run'), pid: 2 ** 22 + 1, version: 'v1', digest }));
  assert.equal((await attestRelease({ root, config, version: 'v1', wait: false, log, env })).status, 'unsigned');
  assert.equal(existsSync(lock), false, 'lock released');
});

test('a stale digest lock is broken only while it is still the one that was read, one breaker at a time', async (t) => {
  const { attestations, digest } = await setup(t);
  const lock = digestLockPath(attestations, digest);
  await mkdir(join(attestations, '.locks'), { recursive: true });
  const dead = { ...currentActor('killed run'), pid: 2 ** 22 + 1, version: 'v1', digest };
  const live = { ...currentActor('new run'), version: 'v1', digest };
  // Another waiter broke the stale lock and took it meanwhile: this one must leave the new lock alone.
  await writeFile(lock, JSON.stringify(live));
  await breakStaleLock(lock, dead);
  assert.deepEqual(JSON.parse(await readFile(lock, 'utf8')), live);
  // Another breaker holds the turn: nothing is removed now.
  await writeFile(lock, JSON.stringify(dead));
  await writeFile(`${lock}.break`, '{}');
  await breakStaleLock(lock, dead);
  assert.ok(existsSync(lock));
  // Its turn left behind by a breaker that died long ago expires; then the stale lock goes.
  await utimes(`${lock}.break`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  await breakStaleLock(lock, dead);
  await breakStaleLock(lock, dead);
  assert.equal(existsSync(lock), false);
  assert.equal(existsSync(`${lock}.break`), false);
});
