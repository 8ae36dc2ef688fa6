import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv } from '@pilot/core/testing';

const config = `export default {
  service: { name: 'svc', dir: 'app', start: ['node', 'index.js'] },
  environments: { staging: { port: 18080 } },
  etag: { folders: ['app'], ignore: ['*.tmp'] },
};
`;

async function run(cwd: string, ...args: string[]) {
  const result = await shell({
    cwd,
    env: { NO_COLOR: '1' },
    nothrow: true,
  })`${process.execPath} ${cliArgv('generate-etag')} ${args}`;
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

test('generate-etag CLI: tags paths, records, checks (exit 1 on a stale ledger), rejects bad flags with exit 2', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-etag-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await shell({ cwd: dir })`git init -q -b main`;
  await writeFile(join(dir, 'pilot.config.ts'), config);
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app/index.js'), 'console.log(1)\n');

  const adhoc = await run(dir, 'app', '--json');
  assert.equal(adhoc.code, 0, adhoc.stderr);
  const [first] = JSON.parse(adhoc.stdout).results;
  assert.match(first.etag, /^"sha256-[0-9a-f]{64}"$/);
  assert.equal(first.files, 1);

  await writeFile(join(dir, 'app/scratch.tmp'), 'ignored by config etag.ignore');
  assert.equal(JSON.parse((await run(dir, 'app', '--json')).stdout).results[0].etag, first.etag);

  const missing = await run(dir, '--check');
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /app is tracked but has no entry in etags\.json — run `pnpm generate-etag --record`/);

  const recorded = await run(dir, '--record');
  assert.equal(recorded.code, 0, recorded.stderr);
  assert.match(recorded.stdout, /new {8}app seq 1/);
  assert.equal(JSON.parse(await readFile(join(dir, 'etags.json'), 'utf8')).app.etag, first.etag);
  assert.equal((await run(dir, '--check')).code, 0);

  await writeFile(join(dir, 'app/index.js'), 'console.log(2)\n');
  const stale = await run(dir, '--check', '--json');
  assert.equal(stale.code, 1);
  assert.deepEqual(
    JSON.parse(stale.stdout).problems.map((p: { kind: string }) => p.kind),
    ['stale'],
  );

  for (const args of [
    ['--record', '--check'],
    ['--check', 'app'],
    ['--bogus'],
    [],
    ['nope'],
    ['app', '--base', 'main'],
  ]) {
    const bad = await run(dir, ...args);
    assert.equal(bad.code, 2, `${args.join(' ')} → ${bad.code} ${bad.stderr}`);
    assert.match(bad.stderr, /generate-etag|--/);
  }
});
