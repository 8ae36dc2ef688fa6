import { ExitCode, UsageError, exitCodeOf } from '../errors.ts';
import { Logger, logFormatFrom } from '../log/logger.ts';
import { createRedactor, secretsFromEnv } from '../log/redact.ts';
import { type HelpSpec, renderHelp } from './help.ts';
import { type FlagSpecs, type ParsedFlags, parseFlags } from './parse.ts';
import { closestWord, unknownWordError } from './suggest.ts';

export interface CommandContext<F extends FlagSpecs> {
  flags: ParsedFlags<F>;
  positionals: string[];
  log: Logger;
  /** Aborted on SIGINT/SIGTERM/SIGHUP (unless PILOT_ON_HANGUP=detach): long-running commands clean up and throw InterruptedError. */
  signal: AbortSignal;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Prints the command's result: JSON with --json, else the human text. */
  result(data: unknown, human?: string | ((data: unknown) => string)): void;
}

export interface CommandDef<F extends FlagSpecs = FlagSpecs> extends HelpSpec {
  flags: F;
  /**
   * Whether the command takes free words after it (paths, files). A CLI's default command without them treats a
   * stray word as a mistyped command (exit 2), never as "run the default anyway".
   */
  operands?: boolean;
  run(ctx: CommandContext<F>): Promise<number | undefined | void>;
}

/** A command whose module is imported only when it runs: `--help` and every other command start without its code. */
export interface LazyCommand {
  summary: string;
  load(): Promise<CommandDef<any>>;
}

export interface CliDef {
  name: string;
  summary: string;
  examples?: string[];
  commands: Record<string, CommandDef<any> | LazyCommand>;
  /** The command run when no command word is given (flags only; or, if it takes operands, a word that is no typo of a command). */
  default?: CommandDef<any>;
  /** Words users type here that are other scripts, and how to run those (`rollback` → `pnpm rollback`). */
  elsewhere?: Record<string, string>;
}

/** Declares a command with typed flags (identity function for inference). */
export function defineCommand<const F extends FlagSpecs>(def: CommandDef<F>): CommandDef<F> {
  return def;
}

/** A command loaded on first use; `summary` is what the CLI's command list shows. */
export function lazyCommand(summary: string, load: () => Promise<CommandDef<any>>): LazyCommand {
  return { summary, load };
}

/** The one place that turns a command's outcome or error into process.exitCode. */
export async function runCli(def: CliDef | CommandDef<any>, argv = process.argv.slice(2)): Promise<void> {
  const json = argv.includes('--json');
  const log = new Logger({ format: logFormatFrom(json), redactor: createRedactor(secretsFromEnv([])) });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    log.warn('interrupted', `received ${signal}, cleaning up (press Ctrl-C again to force)`);
    controller.abort(signal);
  };
  // A dropped SSH session or a closed terminal (SIGHUP): like SIGTERM — or, with PILOT_ON_HANGUP=detach, carry on.
  let detached = false;
  const onHangup = () => {
    // The terminal is gone: a write to it fails (EIO/EPIPE) and must not kill the clean-up or the detached run.
    for (const stream of [process.stdout, process.stderr])
      if (stream.listenerCount('error') === 0) stream.on('error', () => {});
    if (hangupMode(process.env) === 'detach' && !controller.signal.aborted) {
      if (!detached)
        log.warn(
          'process.detached',
          'terminal hung up (SIGHUP): carrying on in the background (PILOT_ON_HANGUP=detach) — `pnpm pilot status` follows it',
          { pid: process.pid },
        );
      detached = true;
      return;
    }
    onSignal('SIGHUP');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  // The event loop emptied while the command still awaited something (node exits 13 silently): say so, never end mute.
  let lastEvent = '';
  log.events.on((event) => {
    lastEvent = `${event.event}${typeof event.msg === 'string' ? `: ${event.msg}` : ''}`;
  });
  let settled = false;
  const onEmptyLoop = () => {
    if (settled) return;
    settled = true;
    process.stderr.write(
      `pilot bug: the command ended while it still awaited a promise that can never settle (last event: ${log.redactor.text(lastEvent) || 'none'}). Nothing else will happen in this process — \`pnpm pilot status\` shows what it left; please report this with the output above.\n`,
    );
    process.exitCode = ExitCode.failed;
  };
  process.on('beforeExit', onEmptyLoop);
  try {
    hangupMode(process.env);
    const { command, args } = await pickCommand(def, argv);
    const { flags, positionals } = parseFlags(args, command.flags, command.name);
    if ('commands' in def && command === def.default && !command.operands && positionals.length > 0)
      throw strayWord(def, positionals[0]);
    if (flags.help) {
      process.stdout.write(
        renderHelp(command === def || !('commands' in def) ? command : withSubcommands(def, command)),
      );
      process.exitCode = ExitCode.ok;
      return;
    }
    const code = await command.run({
      flags,
      positionals,
      log,
      signal: controller.signal,
      cwd: process.cwd(),
      env: process.env,
      result: (data, human) => printResult(log, json, data, human),
    });
    process.exitCode = code ?? ExitCode.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    log.error('command.failed', message, log.format === 'json' ? { exitCode: code } : {});
    if (process.env.PILOT_DEBUG && error instanceof Error)
      process.stderr.write(`${log.redactor.text(error.stack ?? '')}\n`);
    process.exitCode = code;
  } finally {
    log.progressDone();
    settled = true;
    process.off('beforeExit', onEmptyLoop);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
  }
}

/** What SIGHUP does: `abort` (default: roll back and release the lock, like SIGTERM) or `detach` (keep going). */
export function hangupMode(env: NodeJS.ProcessEnv): 'abort' | 'detach' {
  const value = env.PILOT_ON_HANGUP ?? 'abort';
  if (value !== 'abort' && value !== 'detach')
    throw new UsageError(
      `PILOT_ON_HANGUP=${JSON.stringify(value)} is not abort or detach — unset it (SIGHUP rolls back like SIGTERM) or set detach (carry on in the background)`,
    );
  return value;
}

async function pickCommand(
  def: CliDef | CommandDef<any>,
  argv: string[],
): Promise<{ command: CommandDef<any>; args: string[] }> {
  if (!('commands' in def)) return { command: def, args: argv };
  const [first, ...rest] = argv;
  if (first && Object.hasOwn(def.commands, first)) {
    const chosen = def.commands[first];
    return { command: 'load' in chosen ? await chosen.load() : chosen, args: rest };
  }
  // Only flags, or no word at all, run the default; a word runs it only as an operand that is no typo of a command.
  const word = first !== undefined && !first.startsWith('-');
  if (
    def.default &&
    (!word ||
      (def.default.operands &&
        !closestWord(first, Object.keys(def.commands)) &&
        !Object.hasOwn(def.elsewhere ?? {}, first)))
  ) {
    return { command: def.default, args: argv };
  }
  if (first === '--help' || first === '-h') return { command: helpOnly(def), args: [] };
  if (!first) {
    process.stdout.write(renderCliHelp(def));
    throw new UsageError(`${def.name}: name a command (listed above)`);
  }
  throw unknownWordError(def.name, 'command', first, Object.keys(def.commands), def.elsewhere);
}

// A word after flags (`pilot --env staging stauts`): a command put last, or a typo of one.
function strayWord(def: CliDef, word: string): UsageError {
  if (Object.hasOwn(def.commands, word))
    return new UsageError(
      `${def.name}: '${word}' is a command — put it first: \`${def.name} ${word} [flags]\`; nothing was done`,
    );
  return unknownWordError(def.name, 'command', word, Object.keys(def.commands), def.elsewhere);
}

function helpOnly(def: CliDef): CommandDef<any> {
  return defineCommand({
    name: def.name,
    summary: def.summary,
    flags: {},
    async run() {
      process.stdout.write(renderCliHelp(def));
    },
  });
}

function withSubcommands(def: CliDef, command: CommandDef<any>): HelpSpec {
  return def.default === command ? { ...command, subcommands: summaries(def) } : command;
}

function summaries(def: CliDef): Record<string, { summary: string }> {
  return Object.fromEntries(Object.entries(def.commands).map(([name, c]) => [name, { summary: c.summary }]));
}

function renderCliHelp(def: CliDef): string {
  return renderHelp({
    name: def.name,
    summary: def.summary,
    usage: [`${def.name} <command> [flags]`],
    flags: {},
    subcommands: summaries(def),
    examples: def.examples,
  });
}

function printResult(log: Logger, json: boolean, data: unknown, human?: string | ((data: unknown) => string)): void {
  const text = json
    ? JSON.stringify(log.redactor.value(data), null, 2)
    : typeof human === 'function'
      ? human(data)
      : (human ?? '');
  // A progress line left on the terminal (stderr) would run into the result's first line.
  log.progressDone();
  if (text) process.stdout.write(`${json ? text : log.redactor.text(text)}\n`);
}
