import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, UsageError } from '../errors.ts';
import { maskCredentialValue, maskCredentials } from '../log/redact.ts';
import { importConfigModule } from './compile.ts';
import { type EnvironmentConfig, type PilotConfig, type PilotConfigInput, configSchema } from './schema.ts';

export const CONFIG_FILE = 'pilot.config.ts';

/** Typed helper for pilot.config.ts; validation happens when Pilot loads the file. */
export function defineConfig(config: PilotConfigInput): PilotConfigInput {
  return config;
}

export interface LoadedConfig {
  config: PilotConfig;
  /** Folder holding pilot.config.ts: the repository root for Pilot. */
  root: string;
  file: string;
}

/** Finds pilot.config.ts in `cwd` or a parent folder. */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, CONFIG_FILE);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Loads and validates pilot.config.ts; any problem is a ConfigError (exit 2) naming the field, the value and what was expected. */
export async function loadConfig(
  cwd: string = process.cwd(),
  file = process.env.PILOT_CONFIG ?? findConfigFile(cwd),
): Promise<LoadedConfig> {
  if (!file || !existsSync(file)) {
    throw new ConfigError(
      `no ${CONFIG_FILE} found in ${resolve(cwd)} or its parents — run \`pnpm pilot init\` to write a starter config`,
    );
  }
  let exported: unknown;
  try {
    exported = (await importConfigModule(resolve(file))).default;
  } catch (error) {
    const { where, excerpt } = await describeLoadError(file, error);
    throw new ConfigError(maskCredentials(`${where} — fix the file (it must be valid TypeScript)${excerpt}`), {
      cause: error,
    });
  }
  if (exported === undefined)
    throw new ConfigError(`${file}: has no default export — end it with \`export default defineConfig({ … })\``);
  const parsed = configSchema.safeParse(exported);
  if (!parsed.success) throw new ConfigError(formatIssues(file, exported, parsed.error));
  const root = dirname(resolve(file));
  await checkRuleSets(root, file, parsed.data);
  return { config: parsed.data, root, file };
}

/** Picks an environment by name; an unknown name lists the ones the config defines. */
export function resolveEnvironment(
  config: PilotConfig,
  name: string | undefined,
): { name: string; env: EnvironmentConfig } {
  const names = Object.keys(config.environments);
  const chosen = name ?? (names.includes('staging') ? 'staging' : names[0]);
  const env = config.environments[chosen];
  if (!env)
    throw new UsageError(
      `--env ${JSON.stringify(chosen)} is not an environment in ${CONFIG_FILE} — it defines: ${names.join(', ')}`,
    );
  return { name: chosen, env };
}

/** `file:line:column: what` for a syntax error (esbuild's "file:L:C: ERROR: …") or a throw while evaluating the file, with that line. */
async function describeLoadError(file: string, error: unknown): Promise<{ where: string; excerpt: string }> {
  const message = error instanceof Error ? error.message : String(error);
  const syntax = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  const thrown = syntax
    ? undefined
    : new RegExp(`${escapeRegExp(resolve(file))}:(\\d+):(\\d+)`).exec(
        error instanceof Error ? (error.stack ?? '') : '',
      );
  const [line, column, what] = syntax
    ? [
        syntax[2],
        syntax[3],
        syntax[4].startsWith('Could not resolve') ? `cannot import: ${syntax[4]}` : `syntax error: ${syntax[4]}`,
      ]
    : thrown
      ? [thrown[1], thrown[2], message.split('\n')[0]]
      : [];
  if (!line) return { where: `${file}: cannot be loaded: ${message.split('\n')[0]}`, excerpt: '' };
  const text = (await readFile(file, 'utf8').catch(() => '')).split('\n')[Number(line) - 1];
  return { where: `${file}:${line}:${column}: ${what}`, excerpt: text === undefined ? '' : `\n    ${line} | ${text}` };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A value quoted in a config error is masked where it looks like a credential: the config failed validation, so its
// `secrets` list may be all the logger will never learn, and a URL written where its variable's name belongs
// (`url: process.env.DATABASE_URL`) would print its password.
function formatIssues(file: string, input: unknown, error: z.ZodError, env: NodeJS.ProcessEnv = process.env): string {
  const named = valueAt(input, ['secrets']);
  const known = Array.isArray(named)
    ? named.flatMap((name) => (typeof name === 'string' && env[name] ? [env[name]] : []))
    : [];
  const lines = error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const value = valueAt(input, issue.path);
    const got =
      value === undefined
        ? 'missing'
        : `got ${preview(maskCredentialValue(value, env, known, String(issue.path.at(-1) ?? '')))}`;
    return `  ${path}: ${got} — ${maskCredentials(issue.message, env, known)}`;
  });
  return `${file} is invalid:\n${lines.join('\n')}`;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

async function checkRuleSets(root: string, file: string, config: PilotConfig): Promise<void> {
  const rulesFile = join(root, 'policies', 'rules.yaml');
  if (!existsSync(rulesFile)) return;
  const sets = Object.keys((parseYaml(await readFile(rulesFile, 'utf8')) as Record<string, unknown>) ?? {});
  for (const [envName, env] of Object.entries(config.environments)) {
    env.rules.forEach((name, index) => {
      if (!sets.includes(name)) {
        throw new ConfigError(
          `${file} is invalid:\n  environments.${envName}.rules.${index}: got ${JSON.stringify(name)} — expected a rule set in policies/rules.yaml (${sets.join(', ')})`,
        );
      }
    });
  }
}
