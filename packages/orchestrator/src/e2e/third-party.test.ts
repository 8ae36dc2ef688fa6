import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, pnpmCommand, shell } from '@pilot/core';
import { stopRouter } from '@pilot/router';
import { startLoad } from '../demo/load.ts';
import { PILOT, REPO_ROOT, ROLLBACK, runScript } from '../testing/repo.ts';

const SERVICE = join(REPO_ROOT, 'packages', 'json-server-service');
const START = [
  'node',
  'node_modules/json-server/lib/cli/bin.js',
  '--host',
  '127.0.0.1',
  '--port',
  '{port}',
  '{dataDir}/db.json',
];

/** A team's repository: json-server from the npm registry as its workspace service, deployed with the local target. */
async function teamRepo(root: string, port: number, adminPort: number) {
  await mkdir(join(root, 'api'), { recursive: true });
  await mkdir(join(root, 'policies'), { recursive: true });
  await copyFile(join(SERVICE, 'package.json'), join(root, 'api', 'package.json'));
  await copyFile(join(REPO_ROOT, 'policies', 'rules.yaml'), join(root, 'policies', 'rules.yaml'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'team', private: true }));
  await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages: ["api"]\ninjectWorkspacePackages: true\n');
  await writeFile(join(root, '.gitignore'), 'node_modules/\n.pilot/\n');
  const writeConfig = (start: string[]) =>
    writeFile(
      join(root, 'pilot.config.ts'),
      `export default ${JSON.stringify(
        {
          service: {
            name: 'api',
            dir: 'api',
            package: '@pilot/json-server-service',
            start,
            health: { live: '/db', ready: '/db' },
            metricsPath: false,
          },
          environments: {
            staging: {
              port,
              branch: 'main',
              rules: ['canary'],
              watch: '0s',
              target: {
                kind: 'local',
                adminPort,
                readyProbes: 1,
                drainTimeout: '1s',
                stopGrace: '2s',
                readyTimeout: '20s',
              },
            },
          },
          strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '2s', interval: '500ms' },
          checks: { smoke: [{ name: 'posts', path: '/posts', maxLatency: '2s' }], timeout: '2s', deadline: '8s' },
          attest: { onDeploy: false },
        },
        null,
        2,
      )};\n`,
    );
  await writeConfig(START);
  const [pnpm, ...pnpmArgs] = pnpmCommand();
  await shell({ cwd: root, env: { CI: 'true' } })`${pnpm} ${pnpmArgs} install --prefer-offline`;
  const git = (...args: string[]) =>
    shell({ cwd: root })`git -c user.email=t@example.com -c user.name=T -c commit.gpgsign=false ${args}`;
  await git('init', '-q', '-b', 'main');
  const commit = async (message: string) => {
    await git('add', '-A');
    await git('commit', '-q', '--allow-empty', '-m', message);
  };
  return { writeConfig, commit };
}

test('a service from the npm registry (json-server, real dependencies, hard-linked files): a failed first release is withdrawn, v1, canary of v2 to 100%, blue-green switch-back to the warm v2, a broken v3 rolled back, data kept throughout', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'pilot-e2e-'));
  const root = join(base, 'repo');
  const [port, adminPort] = [await freePort(), await freePort()];
  // The router (and its releases) first: it is found through its pid file, inside the folder removed after it.
  t.after(async () => {
    await stopRouter({ root, envName: 'staging' });
    await rm(base, { recursive: true, force: true });
  });
  const repo = await teamRepo(root, port, adminPort);
  const url = `http://127.0.0.1:${port}`;
  const pilot = (...args: string[]) => runScript(PILOT, args, root);

  // A first release whose start command points at a missing file never becomes ready: it fails, and nothing stays live.
  await repo.writeConfig(['node', 'node_modules/json-server/lib/cli/missing.js', '--port', '{port}']);
  await repo.commit('broken first release');
  const first = await pilot();
  assert.equal(first.code, 1, first.all);
  assert.match(first.all, /did not become ready|before becoming ready/);
  assert.match(first.all, /nothing served before: v\S+ stopped, no release is live on staging/);
  assert.doesNotMatch(first.all, /rolled back|Traffic is on/);

  // Ready (its /db answers) but /posts rewritten away: the smoke check fails after it went live.
  await writeFile(join(root, 'api', 'routes.json'), JSON.stringify({ '/posts': '/nothing-here' }));
  await repo.writeConfig([...START, '--routes', 'routes.json']);
  await repo.commit('a start that becomes ready, then fails its smoke test');
  const smokeFails = await pilot();
  assert.equal(smokeFails.code, 1, smokeFails.all);
  assert.match(smokeFails.all, /nothing served before: v\S+ stopped, no release is live on staging/);
  assert.equal((await fetch(`${url}/posts`)).status, 503);

  await rm(join(root, 'api', 'routes.json'));
  await repo.writeConfig(START);
  await repo.commit('v1');
  const v1 = await pilot('--json');
  assert.equal(v1.code, 0, v1.all);
  const created = await fetch(`${url}/posts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'kept across releases' }),
  });
  assert.equal(created.status, 201);
  // json-server answers 201 before its database file is written: wait for the write.
  const dataFile = join(root, '.pilot', 'data', 'staging', 'db.json');
  let stored = '';
  for (const until = Date.now() + 10_000; !stored.includes('kept across releases') && Date.now() < until; ) {
    stored = await readFile(dataFile, 'utf8');
    if (!stored.includes('kept across releases')) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(stored, /kept across releases/);

  // v2 under steady traffic: canary 50% → 100%, no failed request.
  await writeFile(join(root, 'api', 'NOTES.md'), 'v2\n');
  await repo.commit('v2');
  const load = startLoad(`${url}/posts`, 40);
  const v2 = await pilot('--json');
  const traffic = await load.stop();
  assert.equal(v2.code, 0, `${JSON.stringify(traffic)}\n${v2.all.slice(-3000)}`);
  const v2Version = JSON.parse(v2.stdout).release.version;
  assert.ok(traffic.total > 20, `load sent ${traffic.total} requests`);
  assert.equal(traffic.failed, 0);
  assert.equal(
    Object.values(traffic.byRelease).reduce((n, r) => n + r.errors, 0),
    0,
  );
  // The data folder was in v2's pre-deploy backup.
  const backups = join(root, '.pilot', 'backups', 'staging');
  const archive = (await readdir(backups)).find((f) => f.endsWith('.tar.gz'));
  assert.ok(archive, `a pre-deploy backup in ${backups}`);
  assert.match((await shell()`tar -tzf ${join(backups, archive)}`).stdout, /\.pilot\/data\/staging\/db\.json/);
  const posts = (await (await fetch(`${url}/posts`)).json()) as { title: string }[];
  assert.ok(
    posts.some((p) => p.title === 'kept across releases'),
    JSON.stringify(posts),
  );

  // Blue-green chosen on the command line (the config says canary): the replaced release stays warm, and the rollback
  // switches back to it without starting anything.
  await writeFile(join(root, 'api', 'NOTES.md'), 'v2b\n');
  await repo.commit('v2b');
  const blueGreen = await pilot('--strategy', 'blue-green', '--json');
  assert.equal(blueGreen.code, 0, blueGreen.all);
  const router = JSON.parse((await pilot('router', 'status', '--json')).stdout) as {
    releases: { version: string; state: string; pid: number }[];
  };
  const warm = router.releases.find((r) => r.version === v2Version);
  assert.equal(warm?.state, 'ready', `v2 kept warm: ${JSON.stringify(router.releases)}`);
  const back = await runScript(ROLLBACK, ['--json'], root);
  assert.equal(back.code, 0, back.all);
  assert.equal(JSON.parse(back.stdout).to, v2Version);
  const after = JSON.parse((await pilot('router', 'status', '--json')).stdout) as {
    stable: { version: string };
    releases: { version: string; pid: number }[];
  };
  assert.equal(after.stable.version, v2Version);
  assert.equal(
    after.releases.find((r) => r.version === v2Version)?.pid,
    warm?.pid,
    'the warm process took the traffic back: nothing was restarted',
  );

  // v3 answers 404 on /posts (a routes file rewriting it away): the smoke check names it and v2 keeps serving.
  await writeFile(join(root, 'api', 'routes.json'), JSON.stringify({ '/posts': '/nothing-here' }));
  await repo.writeConfig([...START, '--routes', 'routes.json']);
  await repo.commit('v3: broken routes');
  const v3 = await pilot();
  assert.equal(v3.code, 1, v3.all);
  assert.match(v3.all, /posts \(http:\/\/127\.0\.0\.1:\d+\/posts\): status 404, expected 200/);
  const [status] = JSON.parse((await pilot('status', '--json')).stdout) as {
    live: string;
    router: { running: boolean; stable: { version: string; healthy: boolean }; problems: string[] };
  }[];
  assert.equal(status.live, v2Version);
  assert.deepEqual(
    { ...status.router.stable, problems: status.router.problems },
    { version: v2Version, healthy: true, problems: [] },
  );
  const kept = (await (await fetch(`${url}/posts`)).json()) as { title: string }[];
  assert.ok(kept.some((p) => p.title === 'kept across releases'));

  // pilot status says what the router really does: here, that it is not running.
  assert.equal((await pilot('router', 'stop')).code, 0);
  const stopped = await pilot('status');
  assert.match(
    stopped.stdout,
    new RegExp(`! the router is not running: nothing serves ${v2Version} — \`pnpm pilot router start --env staging\``),
  );

  // Every release archive was written (hard-linked node_modules included) and is listed beside its folder.
  const releases = await readdir(join(root, '.pilot', 'releases'));
  assert.ok(releases.filter((n) => n.endsWith('.tar.gz')).length >= 4, releases.join(', '));
});
