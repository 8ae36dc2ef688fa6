import { open, readFile, stat, truncate } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FailedError } from '../errors.ts';
import { fsyncDir } from '../fs/atomic-write.ts';
import type { Redactor } from '../log/redact.ts';

/** One line of a journal: a sequence number, a time and an event name, plus the event's fields. */
export interface JournalEntry {
  seq: number;
  ts: string;
  event: string;
  [field: string]: unknown;
}

export interface JournalRead {
  entries: JournalEntry[];
  /** True when the last line was incomplete (a writer was killed mid-write); it is ignored. */
  tornTail: boolean;
  /** Byte length of the complete lines: where the next append must start. */
  validBytes: number;
}

/** Reads a JSON-lines journal. A torn last line is dropped; a bad line anywhere else is corruption and throws. */
export async function readJournal(path: string): Promise<JournalRead> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], tornTail: false, validBytes: 0 };
    throw error;
  }
  const lastNewline = buffer.lastIndexOf(0x0a);
  const validBytes = lastNewline + 1;
  const entries: JournalEntry[] = [];
  const lines = buffer.subarray(0, validBytes).toString('utf8').split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      throw new FailedError(
        `${path}:${index + 1}: journal line is not valid JSON — the file was edited or damaged; move it aside to continue`,
        { cause: error },
      );
    }
  });
  return { entries, tornTail: validBytes < buffer.length, validBytes };
}

/** Appends events to a journal, one fsync'd line each. Opening it cuts off a torn tail left by a killed writer. */
export class JournalWriter {
  readonly path: string;
  #seq: number;
  readonly #redactor?: Redactor;

  private constructor(path: string, nextSeq: number, redactor?: Redactor) {
    this.path = path;
    this.#seq = nextSeq;
    this.#redactor = redactor;
  }

  static async open(path: string, redactor?: Redactor): Promise<JournalWriter> {
    await mkdir(dirname(path), { recursive: true });
    const read = await readJournal(path);
    if (read.tornTail) await truncate(path, read.validBytes);
    const existed = await stat(path).then(
      () => true,
      () => false,
    );
    if (!existed) {
      await (await open(path, 'a')).close();
      await fsyncDir(dirname(path));
    }
    const last = read.entries.at(-1);
    return new JournalWriter(path, last ? last.seq + 1 : 0, redactor);
  }

  get nextSeq(): number {
    return this.#seq;
  }

  /** Appends one event and returns it once it is on disk. */
  async append(event: string, fields: Record<string, unknown> = {}): Promise<JournalEntry> {
    const clean = this.#redactor ? this.#redactor.value(fields) : fields;
    const entry: JournalEntry = { seq: this.#seq, ts: new Date().toISOString(), event, ...clean };
    // One write() of a whole line with O_APPEND: a kill leaves at most one torn line, at the end.
    const handle = await open(this.path, 'a');
    try {
      await handle.write(`${JSON.stringify(entry)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.#seq += 1;
    return entry;
  }
}
