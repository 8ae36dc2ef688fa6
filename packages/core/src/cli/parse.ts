import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  multiple?: boolean;
  /** Shown in help as the value's name, e.g. `--env E`. */
  placeholder?: string;
  /** Restricts a string flag to these values. */
  choices?: readonly string[];
}
export type FlagSpecs = Record<string, FlagSpec>;

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean | undefined
  : S['multiple'] extends true
    ? string[] | undefined
    : string | undefined;
export type ParsedFlags<F extends FlagSpecs> = { [K in keyof F]: FlagValue<F[K]> } & { json?: boolean; help?: boolean };

/** Flags every command accepts. */
export const commonFlags = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  json: { type: 'boolean', description: 'machine-readable output (JSON)' },
} as const satisfies FlagSpecs;

/** Parses argv strictly: an unknown flag or a missing value is a UsageError (exit 2) naming the flag and the fix. */
export function parseFlags<F extends FlagSpecs>(
  argv: string[],
  flags: F,
  commandName: string,
): { flags: ParsedFlags<F>; positionals: string[] } {
  const all: FlagSpecs = { ...commonFlags, ...flags };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(
      `${commandName}: ${describeParseError(error)} — run \`${commandName} --help\` for the flags it takes`,
      { cause: error },
    );
  }
  for (const [name, spec] of Object.entries(all)) {
    const value = parsed.values[name];
    if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) {
      throw new UsageError(
        `${commandName}: --${name} ${JSON.stringify(value)} is not one of ${spec.choices.join(', ')}`,
      );
    }
  }
  return { flags: parsed.values as ParsedFlags<F>, positionals: parsed.positionals };
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `flag ${flagName(missing[1])} needs a value`;
  const unexpected = /Option '([^']+)' does not take an argument/.exec(message);
  if (unexpected) return `flag ${flagName(unexpected[1])} takes no value`;
  return message.split('\n')[0];
}

// parseArgs names options as "-e, --env <value>": keep the long name only.
function flagName(option: string): string {
  return option.split(',').pop()!.trim().split(' ')[0];
}
