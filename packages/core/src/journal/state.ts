import type { JournalEntry } from './journal.ts';

export type DeploymentStatus = 'running' | 'paused' | 'succeeded' | 'failed' | 'rolled_back' | 'aborted';

/** What a deployment's journal says about it, folded from its events. */
export interface DeploymentState {
  id: string;
  env?: string;
  status: DeploymentStatus;
  /** The last step that started, and whether it completed. */
  step?: { name: string; index?: number; completed: boolean };
  startedAt?: string;
  updatedAt?: string;
  lastEvent?: string;
  /** Fields of `deployment.started` merged with later `state` fields (release, weight, …). */
  data: Record<string, unknown>;
  events: number;
}

const TERMINAL: Record<string, DeploymentStatus> = {
  'deployment.succeeded': 'succeeded',
  'deployment.failed': 'failed',
  'deployment.rolled_back': 'rolled_back',
  'deployment.aborted': 'aborted',
};

/** Rebuilds a deployment's state from its journal entries (the journal is the only source of truth). */
export function foldDeployment(id: string, entries: JournalEntry[]): DeploymentState {
  const state: DeploymentState = { id, status: 'running', data: {}, events: entries.length };
  for (const entry of entries) {
    const { seq: _seq, ts, event, ...fields } = entry;
    state.updatedAt = ts;
    state.lastEvent = event;
    if (event === 'deployment.started') {
      state.startedAt = ts;
      state.env = fields.env as string | undefined;
      Object.assign(state.data, fields);
    } else if (event === 'step.started') {
      state.step = { name: String(fields.step), index: fields.index as number | undefined, completed: false };
      if (state.status === 'paused') state.status = 'running';
    } else if (event === 'step.completed' && state.step) {
      state.step.completed = true;
    } else if (event === 'deployment.paused') {
      state.status = 'paused';
    } else if (event === 'deployment.resumed') {
      state.status = 'running';
    } else if (event in TERMINAL) {
      state.status = TERMINAL[event];
    }
    if (fields.state && typeof fields.state === 'object') Object.assign(state.data, fields.state);
  }
  return state;
}
