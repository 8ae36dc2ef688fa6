import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, runScript } from '@pilot/core/testing';

const PLANTED = 'key-Vb61-planted-demo-api-key';

// Issue 24, item 7: `pilot demo` loads the config itself, so it must teach its logger the config's secrets as openEnv does.
// The repository's own config (the demo-app service), plus a secret the smoke check carries in its URL and a smoke
// check that can never pass: every deployment fails its smoke tests and says so with that URL, fast (1 s deadline).
test('pilot demo masks the config’s secrets in its output and its journals', async (t) => {
  // Inside the repository (git-ignored), as the demo's preflight looks at the work tree around the config.
  const dir = await mkdtemp(join(repoRoot, '.test-init-demo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink(join(repoRoot, 'policies'), join(dir, 'policies'));
  const config = join(dir, 'pilot.config.ts');
  await writeFile(
    config,
    `export default {
  service: { name: 'demo-app', dir: 'packages/demo-app', package: '@pilot/demo-app', build: ['pnpm', 'run', 'build'], start: ['node', 'dist/server.js'] },
  environments: { staging: { port: 18080 } },
  checks: { smoke: [{ name: 'hello', path: '/api/hello?key=' + process.env.DEMO_API_KEY, expect: { status: 418 } }], deadline: '1s' },
  secrets: ['DEMO_API_KEY'],
};
`,
  );
  const run = runScript('pilot', ['demo', '--keep', '--json'], {
    cwd: repoRoot,
    env: { PILOT_CONFIG: config, DEMO_API_KEY: PLANTED },
    timeoutMs: 240_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  // --json: the log's JSON lines, then the result, indented.
  const result = JSON.parse(run.stdout.slice(run.stdout.search(/^\{$/m))) as {
    ok: boolean;
    stateDir: string;
    steps: { release: string; outcome: string; reason?: string }[];
  };
  t.after(() => rm(result.stateDir, { recursive: true, force: true }));
  assert.equal(run.status, 1, output);
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.steps.map((s) => s.outcome),
    ['failed', 'failed', 'failed'],
  );
  assert.match(result.steps[0].reason ?? '', /smoke tests failed .*\/api\/hello\?key=\[REDACTED\]/);
  assert.ok(!output.includes(PLANTED), output);
  // Journals and the deployments' reports.
  const journals = (await readdir(result.stateDir, { recursive: true })).filter(
    (name) => name.endsWith('.jsonl') || name.endsWith('report.html'),
  );
  assert.ok(
    journals.some((name) => name.endsWith('report.html')),
    'the kept state dir has reports',
  );
  assert.ok(journals.length > 0, 'the kept state dir has journals');
  for (const name of journals) {
    const text = await readFile(join(result.stateDir, name), 'utf8');
    assert.ok(!text.includes(PLANTED), `${name}: ${text.slice(0, 2000)}`);
  }
});
