import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '@pilot/core';
import type { RunbookCommand } from './extract.ts';

const PNPM_BUILTINS = new Set(['audit', 'install', 'list', 'why', 'outdated']);

// Help texts asked once per process and repository: each is a start of Pilot's CLI (the check's whole cost).
const helpCache = new Map<string, { status: number | null; text: string }>();

export interface CommandProblem {
  command: RunbookCommand;
  problem: string;
}

/**
 * Checks that each command would run: its script is in the root package.json, its subcommand exists,
 * and every flag it passes appears in that command's `--help`.
 */
export async function checkCommands(repoRoot: string, commands: RunbookCommand[]): Promise<CommandProblem[]> {
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const help = async (words: string[]) => {
    const key = `${repoRoot}\0${words.join(' ')}`;
    if (!helpCache.has(key)) {
      const run = await shell({
        cwd: repoRoot,
        env: { NO_COLOR: '1' },
        nothrow: true,
      })`${process.execPath} ${join(repoRoot, 'scripts', 'cli.mjs')} ${words} --help`;
      helpCache.set(key, { status: run.exitCode, text: run.stdout });
    }
    return helpCache.get(key)!;
  };
  const problems: CommandProblem[] = [];
  for (const command of commands) {
    const [script, maybeSub] = command.argv;
    // pnpm's own commands (`pnpm audit --json`) are not the repository's scripts.
    if (PNPM_BUILTINS.has(script) && !scripts[script]) continue;
    if (!scripts[script]) {
      problems.push({ command, problem: `no script "${script}" in package.json` });
      continue;
    }
    const top = await help([script]);
    // A subcommand is the second word when the top-level help lists it under Commands.
    const sub =
      maybeSub && !maybeSub.startsWith('-') && new RegExp(`^ {2}${escapeRegExp(maybeSub)} `, 'm').test(top.text)
        ? maybeSub
        : undefined;
    const target = sub ? await help([script, sub]) : top;
    if (target.status !== 0) {
      problems.push({
        command,
        problem: `\`pnpm ${[script, sub].filter(Boolean).join(' ')} --help\` exited ${target.status} (not built yet?)`,
      });
      continue;
    }
    for (const word of command.argv) {
      const flag = /^(--[a-z][a-z0-9-]*)/.exec(word)?.[1];
      if (flag && !new RegExp(`${escapeRegExp(flag)}\\b`).test(target.text))
        problems.push({
          command,
          problem: `flag ${flag} is not accepted by ${[script, sub].filter(Boolean).join(' ')}`,
        });
    }
  }
  return problems;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
