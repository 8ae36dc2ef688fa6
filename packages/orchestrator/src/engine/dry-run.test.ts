import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, shell } from '@pilot/core';
import { PILOT, REPO_ROOT, runScript } from '../testing/repo.ts';

/** Processes whose command line or working folder mentions `dir` (a router daemon, a release, anything left behind). */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

test("pilot init's next steps on a fresh repository: every dry run plans the build and the local target's steps, builds nothing, starts nothing, writes no state", async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'pilot-fresh-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'repo');
  const git = (...args: string[]) => shell({ cwd: root })`git ${args}`;
  await shell()`git init -q -b main ${root}`;
  await git('config', 'user.email', 'tester@example.com');
  await git('config', 'user.name', 'Tester');
  await git('config', 'commit.gpgsign', 'false');
  // Pilot installed, as `pnpm install` leaves it: the config's import of @pilot/core resolves.
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  await writeFile(join(root, '.gitignore'), 'node_modules\n.pilot/\n');
  await git('add', '.gitignore');
  await git('commit', '-q', '-m', 'initial');

  const init = await runScript(PILOT, ['init'], root);
  assert.equal(init.code, 0, init.all);
  assert.match(init.stdout, /1\. edit service .* and the environments \(ports\)/);
  assert.match(init.stdout, /2\. commit it: git add pilot\.config\.ts && git commit -m "pilot config"/);
  assert.match(init.stdout, /3\. see the plan, which builds and starts nothing: pnpm pilot --dry-run/);
  // Step 1: free ports on this machine; step 2: commit.
  const config = join(root, 'pilot.config.ts');
  const [staging, production] = [await freePort(), await freePort()];
  await writeFile(
    config,
    (await readFile(config, 'utf8'))
      .replace('port: 8080', `port: ${staging}`)
      .replace('port: 9080', `port: ${production}`),
  );
  await git('add', 'pilot.config.ts');
  await git('commit', '-q', '-m', 'pilot config');

  for (const [script, args] of [
    [PILOT, ['--dry-run']],
    [PILOT, ['deploy', '--dry-run', '--strategy', 'blue-green']],
    [PILOT, ['--dry-run', '--json']],
    [join(REPO_ROOT, 'scripts', 'deploy-dryrun.ts'), []],
  ] as [string, string[]][]) {
    const r = await runScript(script, [...args], root);
    const what = `${script.split('/').pop()} ${args.join(' ')}`;
    assert.equal(r.code, 0, `${what}: ${r.all}`);
    const planned = args.includes('--json')
      ? (JSON.parse(r.stdout).actions as { command?: string[] }[]).map((a) => a.command?.join(' ')).join('\n')
      : r.stdout;
    assert.match(planned, /git archive --format=tar/, what);
    assert.match(planned, /--filter my-service deploy --prod/, what);
    assert.match(planned, new RegExp(`127\\.0\\.0\\.1:${staging + 1}/admin/prepare`), what);
    assert.doesNotMatch(r.all, /does not exist|build the release first|router\.started/, what);
    assert.equal(existsSync(join(root, '.pilot')), false, `${what} wrote state`);
    assert.deepEqual(await processesIn(root), [], `${what} left processes`);
  }
  assert.equal((await git('tag')).stdout, '');
});
