import { type Level, type PilotEvent, RunEvents } from './events.ts';
import { type Redactor, createRedactor } from './redact.ts';
import { renderHuman } from './render-human.ts';

export type LogFormat = 'json' | 'human';

export interface LoggerOptions {
  format?: LogFormat;
  /** Where log lines go; results go to stdout separately. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  redactor?: Redactor;
  minLevel?: Level;
  /** Colour and progress lines (default: on a TTY without NO_COLOR). */
  color?: boolean;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Chooses JSON lines when asked (`--json` or PILOT_LOG_FORMAT=json), human text otherwise. */
export function logFormatFrom(json: boolean | undefined, env: NodeJS.ProcessEnv = process.env): LogFormat {
  return json || env.PILOT_LOG_FORMAT === 'json' ? 'json' : 'human';
}

/** Colour only on a TTY and when NO_COLOR is unset (https://no-color.org). */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
}

/** Structured logger: every call is an event on the run's emitter; this logger writes them out, redacted. */
export class Logger {
  readonly events: RunEvents;
  readonly redactor: Redactor;
  readonly format: LogFormat;
  readonly #stream: NodeJS.WritableStream & { isTTY?: boolean };
  readonly #minLevel: number;
  readonly #color: boolean;
  readonly #progress: boolean;
  #progressShown = false;

  constructor(options: LoggerOptions = {}, events = new RunEvents()) {
    this.events = events;
    this.format = options.format ?? 'human';
    this.#stream = options.stream ?? process.stderr;
    this.redactor = options.redactor ?? createRedactor();
    this.#minLevel = ORDER[options.minLevel ?? (process.env.PILOT_DEBUG ? 'debug' : 'info')];
    this.#color = options.color ?? colorEnabled(this.#stream);
    // Progress is for a person at a terminal: never in JSON, piped output or with NO_COLOR (the same test as colour).
    this.#progress = this.format === 'human' && this.#color;
    this.events.on((event) => this.#write(event));
  }

  debug(event: string, msg?: string, fields?: Record<string, unknown>): void {
    this.events.emit('debug', event, { ...(msg ? { msg } : {}), ...fields });
  }
  info(event: string, msg?: string, fields?: Record<string, unknown>): void {
    this.events.emit('info', event, { ...(msg ? { msg } : {}), ...fields });
  }
  warn(event: string, msg?: string, fields?: Record<string, unknown>): void {
    this.events.emit('warn', event, { ...(msg ? { msg } : {}), ...fields });
  }
  error(event: string, msg?: string, fields?: Record<string, unknown>): void {
    this.events.emit('error', event, { ...(msg ? { msg } : {}), ...fields });
  }

  /** Whether events of this level are written (debug only with PILOT_DEBUG or `minLevel: 'debug'`). */
  shows(level: Level): boolean {
    return ORDER[level] >= this.#minLevel;
  }

  /** A metrics record (kind=metrics) that Loki/Grafana can chart: numbers only, no message. */
  logMetrics(event: string, fields: Record<string, number | string | boolean>): void {
    this.events.emit('info', event, { kind: 'metrics', ...fields });
  }

  /**
   * A status line for a long wait (retries, readiness, analysis windows, monitor checks): rewritten in place on a
   * terminal, dropped otherwise. Not an event — journals and notifiers never see it. `done()` clears it.
   */
  progress(text: string): void {
    if (!this.#progress) return;
    this.#stream.write(`\r\x1b[K${this.redactor.text(text)}`);
    this.#progressShown = true;
  }

  /** Clears the progress line, if one is shown (the next output starts on a clean line). */
  progressDone(): void {
    if (!this.#progressShown) return;
    this.#stream.write('\r\x1b[K');
    this.#progressShown = false;
  }

  #write(event: PilotEvent): void {
    if (ORDER[event.level] < this.#minLevel) return;
    const clean = this.redactor.value(event);
    const line = this.format === 'json' ? JSON.stringify(clean) : renderHuman(clean, this.#color);
    if (!line) return;
    this.progressDone();
    this.#stream.write(`${line}\n`);
  }
}
