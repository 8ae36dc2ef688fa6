// `pnpm policy-check` on this repository itself: premerge runs it for everyone, so a false positive blocks every merge.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { cliArgv } from '@pilot/core/testing';

const root = resolve(import.meta.dirname, '../../..');

test('pnpm policy-check passes on the repository itself (exit 0, no finding)', async () => {
  const r = await shell({
    cwd: root,
    nothrow: true,
    env: { NO_COLOR: '1' },
  })`${process.execPath} ${cliArgv('policy-check')} --json`;
  const report = JSON.parse(String(r.stdout)) as {
    ok: boolean;
    findings: { rule: string; file?: string; line?: number; message: string }[];
  };
  assert.deepEqual(
    report.findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.message}`),
    [],
  );
  assert.equal(r.exitCode, 0, String(r.stderr));
});
