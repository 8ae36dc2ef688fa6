/** Exit codes shared by every Pilot command (see ARCHITECTURE.md, Conventions). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  refused: 3,
  paused: 4,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that knows which exit code it maps to. Library code throws these; only the script entry sets the exit code. */
export class PilotError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue = ExitCode.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flag, argument or config value: exit 2. */
export class UsageError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.badInput, options);
  }
}

/** The config file is missing or invalid: exit 2. */
export class ConfigError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.badInput, options);
  }
}

/** A precondition refused the action (lock held, preflight failed, outside a window): exit 3. */
export class RefusedError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.refused, options);
  }
}

/** A check or deployment failed (including "rolled back"): exit 1. */
export class FailedError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failed, options);
  }
}

/** The deployment is paused and waits for promote/resume: exit 4. */
export class PausedError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.paused, options);
  }
}

/** The run was interrupted by a signal and cleaned up: exit 130. */
export class InterruptedError extends PilotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.interrupted, options);
  }
}

/** Maps any thrown value to an exit code: unknown errors are failures (1). */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof PilotError ? error.exitCode : ExitCode.failed;
}
