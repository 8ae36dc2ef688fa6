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
    const merged = new Set([
      ...values,
      ...[...more].filter((s): s is string => typeof s === 'string' && s.length >= 4),
    ]);
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

const SHOWN_MASK = '***';
// Variables whose values are credentials by their name: GH_TOKEN, COSIGN_PASSWORD, PGPASSWORD, AWS_SECRET_ACCESS_KEY…
const SECRET_ENV_NAME = /(?:^|_)(?:TOKEN|SECRET|KEY|PASS|PASSWD|CREDENTIALS?|DSN)$|PASSWORD$/i;
// scheme://user:PASSWORD@host — the password stops at '@' (a literal '@' in it must be percent-encoded).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'`]*:)([^\s/?#@"'`]+)@/gi;
const BEARER = /\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;

/** Values of the environment's secret-named variables (4 characters or more), longest first. */
export function secretEnvValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = Object.entries(env).flatMap(([name, value]) =>
    value && value.length >= 4 && SECRET_ENV_NAME.test(name) ? [value] : [],
  );
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/**
 * Masks what looks like a credential in text nobody declared secret (a config error quoting a value): URL passwords
 * (`postgres://user:***@host`), bearer/basic tokens, and values of secret-named environment variables.
 */
export function maskCredentials(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  known: readonly string[] = [],
): string {
  let out = text.replace(URL_PASSWORD, `$1${SHOWN_MASK}@`).replace(BEARER, `$1$2${SHOWN_MASK}`);
  for (const secret of [...known.filter((s) => s.length >= 4), ...secretEnvValues(env)])
    if (out.includes(secret)) out = out.split(secret).join(SHOWN_MASK);
  return out;
}

/** maskCredentials over a value's strings; a string under a secret-looking key (`password`, `token`…) is masked whole. */
export function maskCredentialValue<T>(
  input: T,
  env: NodeJS.ProcessEnv = process.env,
  known: readonly string[] = [],
  key = '',
): T {
  const mask = (value: unknown, at: string): unknown => {
    if (typeof value === 'string')
      return at && SECRET_KEY.test(at) && value ? SHOWN_MASK : maskCredentials(value, env, known);
    if (Array.isArray(value)) return value.map((item) => mask(item, ''));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]));
    return value;
  };
  return mask(input, key) as T;
}
