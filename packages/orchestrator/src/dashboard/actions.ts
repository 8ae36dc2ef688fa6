import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ActionName, ActionResult } from '@pilot/dashboard';
import { JournalWriter, pilotScriptArgs, statePaths } from '@pilot/core';
import { findOpenDeployment } from '../state/deployments.ts';

const ARGS: Record<ActionName, string[]> = {
  promote: ['promote'],
  'promote-full': ['promote', '--full'],
  abort: ['abort'],
  resume: ['resume'],
};
// An abort ends within its drain and stop times; promote and resume run the rest of the deployment, followed on the page.
const ABORT_WAIT_MS = 90_000;
const EARLY_EXIT_MS = 3000;

export interface ActionOptions {
  root: string;
  stateDir: string;
  envName: string;
  /** Where the command's output goes (the router's log folder). */
  logFile: string;
}

/**
 * Runs a page action as the CLI command it stands for (`pnpm pilot abort --env E`, …), in its own process, after
 * journalling who asked: in the deployment's journal and the audit log. The actor never carries a token.
 */
export async function runPageAction(o: ActionOptions, action: ActionName, actor: string): Promise<ActionResult> {
  const open = await findOpenDeployment(o.stateDir, o.envName);
  if (!open) return { ok: false, message: `no open deployment on ${o.envName} to ${action.replace('-', ' ')}` };
  const paths = statePaths(o.stateDir);
  const command = `pnpm pilot ${ARGS[action].join(' ')} --env ${o.envName}`;
  const fields = { action, actor, via: 'dashboard', command, deploymentId: open.id, env: o.envName };
  await (await JournalWriter.open(paths.journal(open.id))).append('dashboard.action', fields);
  await (await JournalWriter.open(paths.audit)).append('dashboard.action', fields);
  await mkdir(dirname(o.logFile), { recursive: true });
  const log = openSync(o.logFile, 'a');
  const child = spawn(process.execPath, [...pilotScriptArgs('pilot'), ...ARGS[action], '--env', o.envName], {
    cwd: o.root,
    env: { ...process.env, PILOT_STATE_DIR: o.stateDir, NO_COLOR: '1' },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waited = await Promise.race([
    exited,
    new Promise<'running'>((resolve) =>
      setTimeout(() => resolve('running'), action === 'abort' ? ABORT_WAIT_MS : EARLY_EXIT_MS).unref(),
    ),
  ]);
  if (waited === 'running')
    return { ok: true, message: `\`${command}\` is running (pid ${child.pid}); this page follows it` };
  return waited === 0 || (waited === 4 && action !== 'abort')
    ? { ok: true, message: `\`${command}\` done (exit ${waited}), by ${actor}` }
    : { ok: false, message: `\`${command}\` failed (exit ${waited}) — its output is in ${o.logFile}` };
}
