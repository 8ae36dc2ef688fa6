import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../finding.ts';
import type { WorkflowFile } from './workflow-files.ts';

/** pnpm's own commands: `pnpm <one of these>` is not a script call. `test` is special: it runs the "test" script. */
const PNPM_BUILTINS = new Set([
  'add',
  'audit',
  'bin',
  'config',
  'create',
  'dedupe',
  'deploy',
  'dlx',
  'env',
  'exec',
  'fetch',
  'i',
  'import',
  'init',
  'install',
  'install-test',
  'licenses',
  'link',
  'list',
  'ls',
  'outdated',
  'pack',
  'patch',
  'patch-commit',
  'prune',
  'publish',
  'rebuild',
  'remove',
  'rm',
  'root',
  'setup',
  'store',
  'un',
  'uninstall',
  'unlink',
  'up',
  'update',
  'why',
  'help',
  'version',
]);
/** pnpm flags that take a value, so the value is not mistaken for the script name. */
const PNPM_VALUE_FLAGS = new Set(['--filter', '-F', '--dir', '-C', '--workspace-dir', '--reporter', '--config']);

/** One command a workflow's `run:` calls: a turbo task or a root pnpm script. */
export interface WorkflowCall {
  kind: 'turbo' | 'pnpm';
  name: string;
  file: string;
  line: number;
}

/** Finds `turbo run A B …` and `pnpm X` / `pnpm run X` in every run: step (root scripts only: calls with --filter/-r are left out). */
export function workflowCalls(workflows: WorkflowFile[]): WorkflowCall[] {
  const calls: WorkflowCall[] = [];
  for (const wf of workflows) {
    for (const [id, job] of Object.entries(wf.data?.jobs ?? {})) {
      (Array.isArray(job?.steps) ? job.steps : []).forEach((step, index) => {
        if (typeof step?.run !== 'string') return;
        const first = wf.lineOf(['jobs', id, 'steps', index, 'run']);
        // A block scalar (`run: |`) starts on the line after the key.
        const offset = /^\s*\|/.test(wf.source.split('\n')[first - 1]?.split('run:')[1] ?? '') ? 1 : 0;
        step.run.split('\n').forEach((text, lineIndex) => {
          for (const call of callsInLine(text))
            calls.push({ ...call, file: wf.file, line: first + offset + lineIndex });
        });
      });
    }
  }
  return calls;
}

function callsInLine(line: string): { kind: 'turbo' | 'pnpm'; name: string }[] {
  const calls: { kind: 'turbo' | 'pnpm'; name: string }[] = [];
  // Split on shell operators so `a && pnpm b | tee x` yields each command; quotes are kept out of names.
  for (const command of line.replace(/#.*$/, '').split(/&&|\|\||[;|]/)) {
    const words = command
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.replace(/^["']|["']$/g, ''));
    const turbo = words.findIndex((w) => w === 'turbo' || w.startsWith('turbo@'));
    if (turbo >= 0 && words[turbo + 1] === 'run') {
      for (const task of words.slice(turbo + 2)) {
        if (task.startsWith('-') || task.startsWith('$') || /[<>]/.test(task)) break;
        calls.push({ kind: 'turbo', name: task });
      }
      continue;
    }
    const pnpm = words.findIndex((w) => w === 'pnpm' || w.startsWith('pnpm@'));
    if (pnpm < 0) continue;
    let i = pnpm + 1;
    let filtered = false;
    while (i < words.length && words[i].startsWith('-')) {
      if (['--filter', '-F', '-r', '--recursive'].includes(words[i]) || words[i].startsWith('--filter='))
        filtered = true;
      i += PNPM_VALUE_FLAGS.has(words[i]) ? 2 : 1;
    }
    let name = words[i];
    if (name === 'run') name = words[i + 1];
    else if (name && PNPM_BUILTINS.has(name)) continue;
    if (!name || filtered || name.startsWith('$')) continue;
    calls.push({ kind: 'pnpm', name });
  }
  return calls;
}

/** Each `turbo run X` names a task in turbo.json (X or //#X) and each `pnpm X` a root package.json script. */
export function checkWorkflowCalls(root: string, workflows: WorkflowFile[]): Finding[] {
  const turboFile = join(root, 'turbo.json');
  const tasks = new Set(
    Object.keys(existsSync(turboFile) ? (JSON.parse(readFileSync(turboFile, 'utf8')).tasks ?? {}) : {}).map((t) =>
      t.replace(/^\/\/#/, ''),
    ),
  );
  const scripts = new Set(Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {}));
  return workflowCalls(workflows)
    .filter((call) => !(call.kind === 'turbo' ? tasks : scripts).has(call.name))
    .map((call) => ({
      rule: 'workflow/unknown-task' as const,
      file: call.file,
      line: call.line,
      message:
        call.kind === 'turbo'
          ? `turbo run ${call.name}: no task "${call.name}" in turbo.json`
          : `pnpm ${call.name}: no script "${call.name}" in the root package.json`,
    }));
}
