import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { repoRoot, tempDir } from '@pilot/core/testing';
import { startReceiver } from './testing/receivers.ts';

// Async: the receivers answer from this process while the command runs.
async function pilot(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await shell({
    cwd,
    env: { NO_COLOR: '1', ...env },
    nothrow: true,
  })`${process.execPath} ${join(repoRoot, 'scripts', 'cli.mjs')} pilot ${args}`;
  return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

test('pnpm pilot notify test: one line per channel, delivered or the error; exit 1 when one fails, 2 for an unknown channel', async (t) => {
  const dir = await tempDir(t);
  const slack = await startReceiver(t);
  const broken = await startReceiver(t, (_n, res) => {
    res.statusCode = 404;
    res.end('no_service');
  });
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default {
  service: { name: 'shop', dir: '.', start: ['node', 's.js'] },
  environments: { staging: { port: 18998, notify: ['ops', 'audit'] } },
  notify: { channels: { ops: { kind: 'slack', urlEnv: 'OPS_SLACK' }, audit: { kind: 'webhook', urlEnv: 'AUDIT_HOOK' } } },
};\n`,
  );
  const env = { OPS_SLACK: `${slack.url}/services/T0K3N`, AUDIT_HOOK: `${broken.url}/hook` };
  const run = await pilot(['notify', 'test'], dir, env);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /✓ ops \(slack\): delivered \(HTTP 200\)/);
  assert.match(run.stdout, /✗ audit \(webhook\): HTTP 404: no_service/);
  assert.match(JSON.parse(slack.received[0].body).text, /^\[Pilot test\] shop v0-test is live on staging/);
  assert.ok(!`${run.stdout}${run.stderr}`.includes('T0K3N'), 'the webhook URL is a secret');

  const one = await pilot(['notify', 'test', '--channel', 'ops', '--json'], dir, env);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(
    JSON.parse(one.stdout).map((r: { channel: string; ok: boolean }) => [r.channel, r.ok]),
    [['ops', true]],
  );

  const unknown = await pilot(['notify', 'test', '--channel', 'pager'], dir, env);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--channel "pager" is not in notify.channels .* it defines: ops, audit/);
});

test('a literal webhook URL in pilot.config.ts is a config error naming the field (exit 2)', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'pilot.config.ts'),
    `export default {
  service: { name: 'shop', dir: '.', start: ['node', 's.js'] },
  environments: { staging: { port: 18997, notify: ['ops'] } },
  notify: { channels: { ops: { kind: 'slack', urlEnv: 'OPS_SLACK', url: 'https://hooks.slack.com/services/T000/B000/XXXX' } } },
};\n`,
  );
  const run = await pilot(['notify', 'test'], dir, {});
  assert.equal(run.status, 2);
  assert.match(run.stderr, /notify\.channels\.ops\.url/);
  assert.match(run.stderr, /environment variable .* urlEnv/);
});
