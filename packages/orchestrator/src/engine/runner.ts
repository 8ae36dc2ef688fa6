import { JournalWriter, type Logger, type Redactor, commandLine } from '@pilot/core';

/** One world-changing action as `--dry-run` prints it. */
export interface PlannedAction {
  step?: string;
  description: string;
  command?: string[];
}

/**
 * The one switch every world-changing action goes through (vite's `runIfNotDry`): in a dry run the action is
 * recorded with its exact command (zx's quoting: what the shell would run) and skipped; otherwise it runs. The journal
 * is a no-op in a dry run too.
 */
export class Runner {
  readonly dry: boolean;
  readonly actions: PlannedAction[] = [];
  readonly #journal?: JournalWriter;
  readonly #log: Logger;
  readonly #observers = new Set<(event: string, fields: Record<string, unknown>) => void>();
  currentStep?: string;

  private constructor(dry: boolean, log: Logger, journal?: JournalWriter) {
    this.dry = dry;
    this.#log = log;
    this.#journal = journal;
  }

  static async create(options: {
    dry: boolean;
    log: Logger;
    journalPath?: string;
    redactor?: Redactor;
  }): Promise<Runner> {
    const journal =
      !options.dry && options.journalPath ? await JournalWriter.open(options.journalPath, options.redactor) : undefined;
    return new Runner(options.dry, options.log, journal);
  }

  /** Runs `fn` unless this is a dry run; a dry run records the action (with its exact command) instead. */
  async ifNotDry<T>(description: string, fn: () => Promise<T>, command?: string[]): Promise<T | undefined> {
    if (this.dry) {
      this.actions.push({ step: this.currentStep, description, ...(command ? { command } : {}) });
      this.#log.info('dry-run.action', `would ${description}`, command ? { command: commandLine`${command}` } : {});
      return undefined;
    }
    return fn();
  }

  /** Appends a journal event (nothing in a dry run). */
  async journal(event: string, fields: Record<string, unknown> = {}): Promise<void> {
    if (!this.#journal) return;
    await this.#journal.append(event, fields);
    for (const observer of this.#observers) observer(event, fields);
  }

  /** Calls `fn` after each journalled event (notifications follow the journal); returns a function that stops it. */
  observe(fn: (event: string, fields: Record<string, unknown>) => void): () => void {
    this.#observers.add(fn);
    return () => this.#observers.delete(fn);
  }

  get journalPath(): string | undefined {
    return this.#journal?.path;
  }
}
