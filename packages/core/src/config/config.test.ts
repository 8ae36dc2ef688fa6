import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot, runScript } from '../testing/run-script.ts';
import { tempDir } from '../testing/temp-dir.ts';

const VALID = `export default {
  service: { name: 'svc', dir: '.', start: ['node', 'server.js'] },
  environments: { staging: { port: 18081 }, production: { port: 19081 } },
};
`;

async function repoWith(t: Parameters<typeof tempDir>[0], config?: string) {
  const dir = await tempDir(t);
  if (config !== undefined) await writeFile(join(dir, 'pilot.config.ts'), config);
  return dir;
}

test('no pilot.config.ts: exit 2 and a pointer to `pnpm pilot init`', async (t) => {
  const run = runScript('pilot', ['lock', 'status'], { cwd: await repoWith(t) });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /no pilot\.config\.ts found in .* — run `pnpm pilot init` to write a starter config/);
});

test('a config that is not valid TypeScript: exit 2 naming the file, line and column, with the line', async (t) => {
  const run = runScript('pilot', ['lock', 'status'], {
    cwd: await repoWith(t, "export default {\n  service: { name: 'svc',, },\n};\n"),
  });
  assert.equal(run.status, 2);
  assert.match(
    run.stderr,
    /pilot\.config\.ts:2:25: syntax error: Expected identifier but found "," — fix the file \(it must be valid TypeScript\)\n {4}2 \| {3}service: \{ name: 'svc',, \},/,
  );
});

test('a config that throws while it loads: exit 2 naming the file, line and column', async (t) => {
  const run = runScript('pilot', ['lock', 'status'], {
    cwd: await repoWith(
      t,
      'const port = Number(process.env.PORT);\nconst broken = undefinedThing.port;\nexport default {};\n',
    ),
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /pilot\.config\.ts:2:16: undefinedThing is not defined — fix the file/);
});

test('an invalid field: exit 2 naming the path, the value and what was expected', async (t) => {
  const bad = VALID.replace('port: 18081', "port: 'eighty'").replace("name: 'svc'", "name: 'My Service'");
  const run = runScript('pilot', ['lock', 'status'], { cwd: await repoWith(t, bad) });
  assert.equal(run.status, 2);
  assert.match(
    run.stderr,
    /environments\.staging\.port: got "eighty" — Invalid input: expected number, received string/,
  );
  assert.match(run.stderr, /service\.name: got "My Service" — expected a lower-case name/);
});

test('an unknown field is refused rather than silently ignored', async (t) => {
  const run = runScript('pilot', ['lock', 'status'], {
    cwd: await repoWith(t, VALID.replace("dir: '.'", "dir: '.', strt: []")),
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /service: got .* — Unrecognized key: "strt"/);
});

// Issue 24, item 7: a config error quotes the value it refuses; a credential among those values must not be printed.
test('a credential in a refused config value is masked: exit 2 naming the field and the fix, never the password or token', async (t) => {
  const env = {
    DATABASE_URL: 'postgres://app:pw-Zq81-database@db.internal:5432/app',
    REDIS_URL: 'redis://:pw-Kx27-redis@cache.internal:6379',
    API_TOKEN: 'tok-Hd93-api-token-value',
    DEPLOY_PASSWORD: 'pw-Lm55-deploy',
  };
  const checks = `checks: {
    dependencies: [{ kind: 'postgres', url: process.env.DATABASE_URL }, { kind: 'redis', urlEnv: process.env.REDIS_URL }],
    smoke: [{ path: '/', hedaers: { auth: 'Bearer lit-Qw12-literal-bearer' } }, { path: '/', hedaers: { authorization: process.env.API_TOKEN } }],
  },
  environments: { staging: { port: process.env.DEPLOY_PASSWORD } },`;
  const run = runScript('pilot', ['lock', 'status'], {
    cwd: await repoWith(
      t,
      VALID.replace('environments: { staging: { port: 18081 }, production: { port: 19081 } },', checks),
    ),
    env,
  });
  assert.equal(run.status, 2, run.stderr);
  for (const secret of [
    'pw-Zq81-database',
    'pw-Kx27-redis',
    'tok-Hd93-api-token-value',
    'pw-Lm55-deploy',
    'lit-Qw12-literal-bearer',
  ])
    assert.ok(!run.stderr.includes(secret), `${secret} printed:\n${run.stderr}`);
  assert.match(
    run.stderr,
    /checks\.dependencies\.0: got \{"kind":"postgres","url":"postgres:\/\/app:\*\*\*@db\.internal:\.\.\. — Unrecognized key: "url" — name the variable instead \(urlEnv: 'DATABASE_URL'\)/,
  );
  assert.match(
    run.stderr,
    /checks\.dependencies\.1\.urlEnv: got "redis:\/\/:\*\*\*@cache\.internal:6379" — expected the name of the environment variable holding the URL/,
  );
  assert.match(
    run.stderr,
    /checks\.smoke\.0: got \{"path":"\/","hedaers":\{"auth":"Bearer \*\*\*"\}\} — Unrecognized key: "hedaers"/,
  );
  assert.match(
    run.stderr,
    /checks\.smoke\.1: got \{"path":"\/","hedaers":\{"authorization":"\*\*\*"\}\} — Unrecognized key: "hedaers"/,
  );
  assert.match(run.stderr, /environments\.staging\.port: got "\*\*\*" — Invalid input: expected number/);
});

test('a rule set name that policies/rules.yaml lacks is refused', async (t) => {
  const dir = await repoWith(t, VALID.replace('port: 18081', "port: 18081, rules: ['nope']"));
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'policies')));
  await writeFile(join(dir, 'policies', 'rules.yaml'), 'canary: []\n');
  const run = runScript('pilot', ['lock', 'status'], { cwd: dir });
  assert.equal(run.status, 2);
  assert.match(
    run.stderr,
    /environments\.staging\.rules\.0: got "nope" — expected a rule set in policies\/rules\.yaml \(canary\)/,
  );
});

test('an unknown environment: exit 2 listing the defined ones', async (t) => {
  const run = runScript('pilot', ['lock', 'status', '--env', 'prod'], { cwd: await repoWith(t, VALID) });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--env "prod" is not an environment in pilot\.config\.ts — it defines: staging, production/);
});

test('unknown flags and a flag without its value: exit 2 naming the flag', async (t) => {
  const cwd = await repoWith(t, VALID);
  const unknown = runScript('pilot', ['lock', 'status', '--nope'], { cwd });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /pilot lock: unknown flag --nope — run `pilot lock --help`/);
  const missing = runScript('pilot', ['lock', 'status', '--env'], { cwd });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /flag --env needs a value/);
});

test('--help prints usage and flags and exits 0, for the command and its subcommands', async (t) => {
  const cwd = await repoWith(t, VALID);
  const top = runScript('pilot', ['--help'], { cwd });
  assert.equal(top.status, 0);
  assert.match(top.stdout, /^Usage:\n {2}pilot /m);
  assert.match(top.stdout, /lock +show, hold \(freeze deployments\) or release an environment lock/);
  const sub = runScript('pilot', ['lock', '--help'], { cwd });
  assert.equal(sub.status, 0);
  assert.match(sub.stdout, /--env E +environment/);
});

test('a bad flag value exits 2 naming the flag, the value and the fix (lcm-export --since)', async (t) => {
  const run = runScript('lcm-export', ['--since', 'last week'], { cwd: await repoWith(t, VALID) });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /--since "last week" is not a date or a duration — use e\.g\. 2026-11-01/);
});

test('a stale lock (holder killed) is reported as interrupted by `pilot lock status`, released only with --force', async (t) => {
  const cwd = await repoWith(t, VALID);
  const holderScript = fileURLToPath(new URL('../lock/fixtures/hold-lock.ts', import.meta.url));
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      holderScript,
      join(cwd, '.pilot/locks/staging.lock'),
      join(cwd, '.pilot/audit.jsonl'),
      'staging',
      'dep-1',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(holder.stdout, 'data');
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  const status = runScript('pilot', ['lock', 'status', '--env', 'staging'], { cwd });
  assert.equal(status.status, 1);
  assert.match(status.stdout, /deployment dep-1 on environment staging was interrupted/);
  const json = runScript('pilot', ['lock', 'status', '--json'], { cwd });
  assert.equal(JSON.parse(json.stdout).state, 'interrupted');
  assert.equal(runScript('pilot', ['lock', 'release', '--env', 'staging'], { cwd }).status, 2);
  const released = runScript('pilot', ['lock', 'release', '--env', 'staging', '--force'], { cwd });
  assert.equal(released.status, 0);
  assert.match(released.stdout, /released the lock of deployment dep-1 on staging/);
});

test('`pilot init` writes a starter config that loads, and refuses to overwrite it', async (t) => {
  // Inside the repository so that the starter's `import { defineConfig } from '@pilot/core'` resolves.
  const dir = await mkdtemp(join(repoRoot, '.test-init-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const init = runScript('pilot', ['init'], { cwd: dir });
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /wrote .*pilot\.config\.ts/);
  const status = runScript('pilot', ['lock', 'status', '--env', 'production'], { cwd: dir });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /environment production is not locked/);
  const again = runScript('pilot', ['init'], { cwd: dir });
  assert.equal(again.status, 3);
  assert.match(again.stderr, /already exists — edit it, or pass --force/);
});
