import { EventEmitter } from 'node:events';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** One structured event of a run: the logger, the journal, notifiers and reports all listen to these. */
export interface PilotEvent {
  ts: string;
  level: Level;
  event: string;
  msg?: string;
  [field: string]: unknown;
}

export type EventListener = (event: PilotEvent) => void;

/** One emitter per run. A listener that throws never breaks the run (a failing notifier must not fail a deployment). */
export class RunEvents {
  readonly #emitter = new EventEmitter();
  readonly #onListenerError: (error: unknown, event: PilotEvent) => void;

  constructor(onListenerError: (error: unknown, event: PilotEvent) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  on(listener: EventListener): () => void {
    const wrapped = (event: PilotEvent) => {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    };
    this.#emitter.on('event', wrapped);
    return () => this.#emitter.off('event', wrapped);
  }

  emit(level: Level, event: string, fields: Record<string, unknown> = {}): PilotEvent {
    const record: PilotEvent = { ts: new Date().toISOString(), level, event, ...fields };
    this.#emitter.emit('event', record);
    return record;
  }
}
