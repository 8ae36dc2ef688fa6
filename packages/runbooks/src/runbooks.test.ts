import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '@pilot/core';
import { repoRoot, runScript } from '@pilot/core/testing';
import { checkCommands } from './check.ts';
import { extractCommands } from './extract.ts';
import { quickCommands } from './quick-commands.ts';

test('finds pnpm commands in fenced blocks and inline code, with env assignments and quoted words', () => {
  const md =
    '# x\n```sh\npnpm rollback --env production\n```\nthen `pnpm pilot promote --env p` or\nMONITOR_DURATION=60 AUTO_ROLLBACK=true pnpm monitor --env production\npnpm pilot maintenance on --message "Back shortly"\n';
  const found = extractCommands('x.md', md);
  assert.deepEqual(
    found.map((c) => [c.line, c.argv]),
    [
      [3, ['rollback', '--env', 'production']],
      [5, ['pilot', 'promote', '--env', 'p']],
      [6, ['monitor', '--env', 'production']],
      [7, ['pilot', 'maintenance', 'on', '--message', 'Back shortly']],
    ],
  );
});

test('a command that does not exist, or a flag it does not take, is reported', async () => {
  const problems = await checkCommands(
    repoRoot,
    extractCommands('bad.md', '`pnpm nope --x`\n`pnpm pilot lock status --bogus`\n'),
  );
  assert.deepEqual(
    problems.map((p) => p.problem),
    ['no script "nope" in package.json', 'flag --bogus is not accepted by pilot lock'],
  );
});

test('every command in runbooks/*.md exists and takes the flags the runbook gives it', async () => {
  const dir = join(repoRoot, 'runbooks');
  const commands = readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .flatMap((name) => extractCommands(`runbooks/${name}`, readFileSync(join(dir, name), 'utf8')));
  assert.ok(commands.length >= 10, `found ${commands.length} commands`);
  const problems = await checkCommands(repoRoot, commands);
  assert.deepEqual(
    problems.map((p) => `${p.command.file}:${p.command.line}: ${p.command.text}: ${p.problem}`),
    [],
  );
});

test('`pnpm quick-commands` prints commands that all run, for every environment', async () => {
  const { config } = await loadConfig(repoRoot);
  for (const env of Object.keys(config.environments)) {
    const run = runScript('quick-commands', ['--env', env], { cwd: repoRoot });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`pnpm rollback --env ${env} +# back to the last known-good release`));
    const commands = quickCommands(config, env).flatMap((g) =>
      g.commands.flatMap((c) => extractCommands('quick-commands', `\`${c.command}\``)),
    );
    assert.deepEqual(
      (await checkCommands(repoRoot, commands)).map((p) => `${p.command.text}: ${p.problem}`),
      [],
    );
  }
});
