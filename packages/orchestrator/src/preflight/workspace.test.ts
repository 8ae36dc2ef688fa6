import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { tempDir } from '@pilot/core/testing';
import { PILOT, runScript } from '../testing/repo.ts';

test('a workspace service whose pnpm-workspace.yaml does not inject its packages is refused before anything runs (exit 3, with the fix)', async (t) => {
  const root = await tempDir(t, 'pilot-workspace-');
  await mkdir(join(root, 'api'));
  const config = {
    service: { name: 'api', dir: 'api', package: 'api', start: ['node', 'server.js'] },
    environments: { staging: { port: 4999, target: { kind: 'command', shift: ['true'], rollback: ['true'] } } },
    checks: {},
    attest: { onDeploy: false },
  };
  await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config)};\n`);
  await writeFile(join(root, 'api', 'package.json'), JSON.stringify({ name: 'api', version: '1.0.0' }));
  await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages: ["api"]\n');
  await writeFile(join(root, '.gitignore'), '.pilot/\n');
  const git = (...args: string[]) =>
    shell({ cwd: root })`git -c user.email=t@example.com -c user.name=T -c commit.gpgsign=false ${args}`;
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'api');
  const refused = await runScript(PILOT, ['--dry-run'], root);
  assert.equal(refused.code, 3, refused.all);
  assert.match(refused.all, /does not set injectWorkspacePackages: true/);
  assert.match(refused.all, /add `injectWorkspacePackages: true` to pnpm-workspace\.yaml/);

  await writeFile(join(root, 'pnpm-workspace.yaml'), 'packages: ["api"]\ninjectWorkspacePackages: true\n');
  await git('commit', '-qam', 'inject');
  const planned = await runScript(PILOT, ['--dry-run'], root);
  assert.doesNotMatch(planned.all, /injectWorkspacePackages: true/);
  assert.match(planned.stdout, /✓ injected workspace/);
});
