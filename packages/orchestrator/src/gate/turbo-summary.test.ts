import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { FIXTURES, REPO_ROOT, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
// The turbo the lockfile pins (a root devDependency).
const TURBO = join(REPO_ROOT, 'node_modules', '.bin', 'turbo');
const noTurbo = !existsSync(TURBO) && 'turbo is not installed (npx -y pnpm@10.34.9 install)';

test('pilot gate without --ci-result: the tests criterion reads turbo run test --summarize of the release commit — none, a run of a changed tree, a failed run, a green run', {
  skip: noTurbo,
}, async (t) => {
  const repo = await makeRepo();
  t.after(() => repo.cleanup());
  const { stdout: npmVersion } = await shell()`npm --version`;
  // A one-package workspace whose test fails when UNIT_FAIL is set (passed through turbo's strict env mode).
  await writeFile(
    join(repo.root, 'package.json'),
    JSON.stringify({ name: 'ws', private: true, packageManager: `npm@${npmVersion.trim()}`, workspaces: ['pkgs/*'] }),
  );
  await writeFile(
    join(repo.root, 'turbo.json'),
    JSON.stringify({ tasks: { test: { cache: false, passThroughEnv: ['UNIT_FAIL'] } } }),
  );
  await mkdir(join(repo.root, 'pkgs', 'unit'), { recursive: true });
  await writeFile(
    join(repo.root, 'pkgs', 'unit', 'package.json'),
    JSON.stringify({ name: 'unit', version: '1.0.0', scripts: { test: 'node check.mjs' } }),
  );
  await writeFile(
    join(repo.root, 'pkgs', 'unit', 'check.mjs'),
    "if (process.env.UNIT_FAIL) { console.error('unit: failing on purpose'); process.exit(1); }\n",
  );
  await writeFile(join(repo.root, '.gitignore'), '.pilot/\n.turbo/\nnode_modules/\n');
  await repo.commit('a turbo workspace', 'svc/server.mjs');
  const deployed = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(deployed.code, 0, deployed.all);
  const { commit } = JSON.parse(deployed.stdout).release;
  const short = commit.slice(0, 12);
  const turbo = (env: Record<string, string> = {}) =>
    shell({
      cwd: repo.root,
      nothrow: true,
      env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...env },
    })`${TURBO} run test --summarize`;
  const testsLine = async () => {
    const gate = await runScript(PILOT, ['gate', '--env', 'staging'], repo.root);
    assert.ok(gate.code === 0 || gate.code === 1, gate.all);
    return /^ {2}. tests: .*(\n {6}evidence: .*)?$/m.exec(gate.stdout)?.[0] ?? gate.all;
  };

  assert.match(
    await testsLine(),
    new RegExp(
      `✗ tests: no test result for commit ${short}: no turbo run summary of it in \\.turbo/runs — \`turbo run test --summarize\` on a clean checkout of ${short}, or pass --ci-result FILE`,
    ),
  );

  // Green, but on a work tree that is not the commit: turbo's summary still names HEAD; its input hashes do not match.
  await writeFile(join(repo.root, 'pkgs', 'unit', 'check.mjs'), '// edited, not committed\n');
  assert.equal((await turbo()).exitCode, 0);
  assert.match(
    await testsLine(),
    new RegExp(
      `✗ tests: the turbo runs of ${short} tested a changed work tree \\(pkgs/unit/check\\.mjs not as committed\\)`,
    ),
  );
  await shell({ cwd: repo.root })`git checkout -- pkgs/unit/check.mjs`;

  const red = await turbo({ UNIT_FAIL: '1' });
  assert.notEqual(red.exitCode, 0, red.stdout);
  assert.match(
    await testsLine(),
    /✗ tests: 1 of 1 test tasks failed: unit#test \(exit 1\)\n {6}evidence: \.turbo\/runs\/\w+\.json: `turbo run test` on \w{12} at .*, 1 test tasks \(0 from cache\), exit 1/,
  );

  assert.equal((await turbo()).exitCode, 0);
  assert.match(
    await testsLine(),
    new RegExp(
      `✓ tests: 1 test tasks passed \\(turbo run test on ${short}\\)\\n {6}evidence: \\.turbo/runs/\\w+\\.json: .*exit 0`,
    ),
  );
});
