const MASK = '[REDACTED]';
// Field names whose values are secrets whatever their content.
const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|webhook|authorization|cookie|private[-_]?key|dsn)$/i;

/** Replaces configured secret values (and values under secret-looking keys) before anything is written out. */
export interface Redactor {
  text(value: string): string;
  value<T>(value: T): T;
  /** Adds secret values learnt later (e.g. once the config names its secret variables). */
  add(secrets: Iterable<string | undefined>): void;
}

/** Builds a redactor from secret values; values shorter than 4 characters are ignored (they would mask ordinary text). */
export function createRedactor(secrets: Iterable<string | undefined> = []): Redactor {
  let values: string[] = [];
  const add = (more: Iterable<string | undefined>) => {
    const merged = new Set([...values, ...[...more].filter((s): s is string => typeof s === 'string' && s.length >= 4)]);
    values = [...merged].sort((a, b) => b.length - a.length);
  };
  add(secrets);
  const text = (input: string): string => {
    let out = input;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  const value = <T>(input: T): T => redactValue(input, text) as T;
  return { text, value, add };
}

function redactValue(input: unknown, text: (s: string) => string, key = ''): unknown {
  if (typeof input === 'string') return key && SECRET_KEY.test(key) && input ? MASK : text(input);
  if (Array.isArray(input)) return input.map((item) => redactValue(item, text));
  if (input instanceof Error) return text(input.message);
  if (input && typeof input === 'object') {
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, redactValue(v, text, k)]));
  }
  return input;
}

/** Secret values to mask: the environment variables a config names, plus Pilot's own credential variables. */
export function secretsFromEnv(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const builtIn = ['COSIGN_PASSWORD', 'PILOT_ADMIN_TOKEN', 'PGPASSWORD', 'GITHUB_TOKEN', 'GH_TOKEN'];
  return [...names, ...builtIn].map((name) => env[name]).filter((v): v is string => Boolean(v));
}
