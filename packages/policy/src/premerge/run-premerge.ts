import { pnpmCommand, shell } from '@pilot/core';
import type { PremergeStep } from './steps.ts';

export type StepStatus = 'pass' | 'fail' | 'unavailable' | 'skipped';

export interface StepResult {
  id: string;
  title: string;
  status: StepStatus;
  ms: number;
  exitCode?: number;
  note?: string;
  /** The last lines of output of a failed or unavailable step. */
  tail?: string;
}

export interface PremergeOptions {
  root: string;
  steps: PremergeStep[];
  /** Step ids not to run (reported as skipped). */
  skip?: readonly string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called as each step starts and ends: the live progress line. */
  onStep?: (event: { phase: 'start' | 'end'; step: PremergeStep; result?: StepResult }) => void;
  /** Stream each step's output (otherwise only a failed step's tail is kept). */
  onOutput?: (chunk: string) => void;
}

/** Runs every step (a failure does not stop the others, so one run shows everything) and returns one result per step. */
export async function runPremerge(options: PremergeOptions): Promise<{ ok: boolean; results: StepResult[] }> {
  const env = options.env ?? process.env;
  const skip = new Set(options.skip ?? []);
  const results: StepResult[] = [];
  for (const step of options.steps) {
    if (skip.has(step.id)) {
      results.push({ id: step.id, title: step.title, status: 'skipped', ms: 0, note: 'skipped (--skip)' });
      continue;
    }
    if (options.signal?.aborted) {
      results.push({ id: step.id, title: step.title, status: 'skipped', ms: 0, note: 'interrupted' });
      continue;
    }
    options.onStep?.({ phase: 'start', step });
    const [file, ...args] = step.command[0] === 'pnpm' ? [...pnpmCommand(env), ...step.command.slice(1)] : step.command;
    const started = performance.now();
    const child = shell({
      cwd: options.root,
      env: { ...env, FORCE_COLOR: '0' },
      nothrow: true,
      signal: options.signal,
    })`${file} ${args}`;
    if (options.onOutput)
      for (const stream of [child.stdout, child.stderr])
        stream.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString()));
    const done = await child;
    const ms = Math.round(performance.now() - started);
    const output = done.stdall;
    let result: StepResult = { id: step.id, title: step.title, status: 'pass', ms, exitCode: done.exitCode ?? 1 };
    if (done.exitCode !== 0) {
      const tail = output.split('\n').filter(Boolean).slice(-30).join('\n');
      const classified = step.classify?.(output);
      result = classified
        ? { ...result, ...classified, tail }
        : {
            ...result,
            status: 'fail',
            tail,
            note: done.exitCode === null ? `ended by ${done.signal}` : `exit ${done.exitCode}`,
          };
    }
    results.push(result);
    options.onStep?.({ phase: 'end', step, result });
  }
  return { ok: results.every((r) => r.status !== 'fail'), results };
}

/** The one summary printed at the end. */
export function renderSummary(results: StepResult[]): string {
  const mark: Record<StepStatus, string> = { pass: '✓', fail: '✗', unavailable: '?', skipped: '–' };
  const width = Math.max(...results.map((r) => r.title.length));
  const lines = [
    '',
    'premerge summary',
    ...results.map(
      (r) =>
        `  ${mark[r.status]} ${r.title.padEnd(width)}  ${r.status.padEnd(11)} ${(r.ms / 1000).toFixed(1).padStart(6)} s${r.note && r.status !== 'fail' ? `  ${r.note}` : ''}`,
    ),
  ];
  const failed = results.filter((r) => r.status === 'fail');
  lines.push('', failed.length === 0 ? 'premerge: OK' : `premerge: FAILED — ${failed.map((r) => r.id).join(', ')}`);
  return lines.join('\n');
}
