import { $, type Duration, type LogEntry, ProcessOutput, type Shell } from 'zx/core';
import type { Logger } from '../log/logger.ts';
import { type Redactor, maskCredentials } from '../log/redact.ts';

export { ProcessOutput, type ProcessPromise, type Shell } from 'zx/core';

/** How every external command Pilot runs is started: the one `$` preset. */
export interface ShellOptions {
  cwd?: string;
  /** Added to the inherited environment (zx alone would replace it whole). */
  env?: NodeJS.ProcessEnv;
  /** false: `env` is the whole environment but for SHLVL (a tool that must not see a variable, such as npm_execpath). */
  inheritEnv?: boolean;
  /** Aborting it ends the command (SIGTERM). */
  signal?: AbortSignal;
  /** Milliseconds or a zx duration (`30s`); the command and its children get SIGTERM when it passes. */
  timeout?: Duration;
  /** For callers that inspect the exit code: a non-zero exit resolves instead of throwing. */
  nothrow?: boolean;
  /** Commands and their output are printed (redacted) when this logger shows debug; otherwise quiet. */
  log?: Logger;
  /** Secret values to mask in the printed command, besides the logger's own and credential-looking text. */
  redactor?: Redactor;
  /** Its own process group, as Pilot starts a background attestation. */
  detached?: boolean;
  /** false: output streams through (a dump, a tar of the data) and is not kept; `stdout` then holds its last chunk only. */
  buffer?: boolean;
  stdio?:
    | 'pipe'
    | 'inherit'
    | 'ignore'
    | ['ignore' | 'pipe' | 'inherit', 'ignore' | 'pipe' | 'inherit', 'ignore' | 'pipe' | 'inherit'];
}

/**
 * The zx `$` preset every package uses to run a command: `const $$ = shell({ cwd, signal }); await $$\`git tag ${name}\``.
 * zx quotes each interpolated value (arrays become several arguments), so no command string is ever built for a shell.
 */
export function shell(options: ShellOptions = {}): Shell {
  const env = withoutStartupFiles(
    options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env },
  );
  const verbose = isVerbose(options.log);
  return $({
    cwd: options.cwd,
    env,
    signal: options.signal,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    nothrow: options.nothrow ?? false,
    verbose,
    quiet: !verbose,
    ...(options.stdio ? { stdio: options.stdio } : {}),
    ...(options.detached ? { detached: true } : {}),
    ...(options.buffer === false
      ? { store: { stdout: new PassingChunks(), stderr: [], stdall: new PassingChunks() } }
      : {}),
    log: (entry: LogEntry) => printEntry(entry, options, env),
  });
}

/**
 * zx starts each command as `bash -c`, and bash may run a startup file first: the file BASH_ENV (ENV for sh) names,
 * and ~/.bashrc when stdin is a socket (Node's pipes are) and no shell level is set (turbo drops SHLVL), as Debian's
 * bash does for a command run over ssh. Seen on CI: ~/.bashrc's `pyenv init` before every command, which waited 60 s
 * on a lock a killed run had left. A command Pilot starts runs without a startup file.
 */
function withoutStartupFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { BASH_ENV: _bashEnv, ENV: _env, ...rest } = env;
  return { ...rest, SHLVL: rest.SHLVL || '1' };
}

/** The exact command line zx runs for a template (its quoting applied), without starting anything. */
export function commandLine(pieces: TemplateStringsArray, ...args: unknown[]): string {
  return $({ halt: true })(pieces, ...args).cmd;
}

/**
 * The dry-run runner: prints the exact command zx would run (redacted, as `$ …`) and starts nothing. It resolves to
 * an empty successful output, so a caller reads the same shape in both modes.
 */
export function dryShell(
  options: Omit<ShellOptions, 'nothrow' | 'timeout' | 'stdio'> & { print?: (line: string) => void } = {},
) {
  const env = { ...process.env, ...options.env };
  const print =
    options.print ??
    ((line: string) => (options.log ? options.log.info('dry-run.command', line) : process.stderr.write(`${line}\n`)));
  return async (pieces: TemplateStringsArray, ...args: unknown[]): Promise<ProcessOutput> => {
    print(`$ ${redactCommand(commandLine(pieces, ...args), options, env)}`);
    return new ProcessOutput(0, null, '', '', '', '', 0);
  };
}

/** A command line as it may be shown: configured secrets, credential-looking text and secret variables masked. */
export function redactCommand(
  cmd: string,
  options: Pick<ShellOptions, 'log' | 'redactor'> = {},
  env: NodeJS.ProcessEnv = process.env,
): string {
  let out = maskCredentials(cmd, env);
  for (const redactor of [options.redactor, options.log?.redactor]) if (redactor) out = redactor.text(out);
  return out;
}

/**
 * zx keeps every chunk a command writes; a pipe replays the kept chunks once, on the first, then follows the stream.
 * Keeping only the newest chunk serves that replay and holds nothing more (see `buffer`).
 */
class PassingChunks extends Array<string | Buffer> {
  override push(...chunks: (string | Buffer)[]): number {
    this.length = 0;
    return super.push(...chunks);
  }
}

function isVerbose(log: Logger | undefined): boolean {
  return log ? log.shows('debug') : Boolean(process.env.PILOT_DEBUG);
}

// zx hands its log every event; only what it marks verbose is shown, always through the redaction.
function printEntry(entry: LogEntry, options: ShellOptions, env: NodeJS.ProcessEnv): void {
  if (!entry.verbose) return;
  const text =
    entry.kind === 'cmd'
      ? `$ ${entry.cmd}`
      : entry.kind === 'stdout' || entry.kind === 'stderr'
        ? entry.data.toString()
        : undefined;
  if (text === undefined) return;
  const shown = redactCommand(text, options, env);
  if (options.log) options.log.debug(entry.kind === 'cmd' ? 'exec.command' : 'exec.output', shown.trimEnd());
  else process.stderr.write(shown.endsWith('\n') ? shown : `${shown}\n`);
}
