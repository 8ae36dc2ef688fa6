import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, REPO_ROOT, makeRepo } from '../testing/repo.ts';

// Libraries a deployment needs only when its config asks for them (migrations, attestation, dependency checks,
// e-mail, Kubernetes): loading them on every start cost ~1.5 s of CPU per `pnpm pilot`.
const ON_DEMAND = ['pg', 'libpg-query', 'redis', 'execa', 'nodemailer', 'kubernetes-models', 'tweetnacl'];
const ON_DEMAND_SCOPES = ['@cyclonedx/', '@sigstore/', '@kubernetes-models/'];

test('a deployment of a service without migrations, attestation or dependency checks loads none of their libraries', async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const log = join(repo.root, '..', 'loaded.txt');
  const run = await shell({ cwd: repo.root, nothrow: true, env: { NO_COLOR: '1', PILOT_LOADED_LOG: log } })`${
    process.execPath
  } --import ${join(FIXTURES, 'log-packages.mjs')} ${join(REPO_ROOT, 'scripts', 'cli.mjs')} pilot --dry-run`;
  assert.equal(run.exitCode, 0, run.stdall);
  const loaded = new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean));
  assert.ok(loaded.has('zod'), `the hook saw the packages a deployment does load: ${[...loaded].join(', ')}`);
  const needless = [...loaded].filter(
    (name) => ON_DEMAND.includes(name) || ON_DEMAND_SCOPES.some((scope) => name.startsWith(scope)),
  );
  assert.deepEqual(needless, [], `loaded on start-up without being configured: ${needless.join(', ')}`);
});
