/** A value of `service.env` (recorded in the release's manifest): a value, or a variable passed through by name. */
export type ReleaseEnvValue = string | { fromEnv: string };

/** What a release's environment is made of, besides the service's own `env`. */
export interface ReleaseFacts {
  version: string;
  envName: string;
  port: number;
  dataDir?: string;
}

/** Taken from the router's environment as they are: where programs are, whose home, language, time zone. */
export function isBaseVariable(name: string): boolean {
  return name === 'PATH' || name === 'HOME' || name === 'LANG' || name === 'TZ' || name.startsWith('LC_');
}

/** The base variables of `from` (PATH, HOME, LANG, LC_*, TZ), and nothing else. */
export function baseEnv(from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) if (value !== undefined && isBaseVariable(name)) env[name] = value;
  return env;
}

/** The variables `service.env` passes through by name (`{ fromEnv: 'NAME' }`). */
export function passedThrough(env: Record<string, ReleaseEnvValue> | undefined): string[] {
  return Object.values(env ?? {}).flatMap((value) => (typeof value === 'string' ? [] : [value.fromEnv]));
}

/**
 * A release's whole environment: the base variables, the service's `env` (a `{ fromEnv }` value read from `from`, the
 * router's own environment), PORT and the PILOT_* facts. Nothing else of the router's (or its operator's) environment
 * reaches a release: no tokens or passwords of whoever started the router. Throws when a named variable is not set.
 */
export function releaseEnv(
  serviceEnv: Record<string, ReleaseEnvValue>,
  facts: ReleaseFacts,
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env = baseEnv(from);
  for (const [name, value] of Object.entries(serviceEnv)) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const passed = from[value.fromEnv];
    if (passed === undefined) {
      throw new Error(
        `release ${facts.version}: service.env.${name} passes through ${value.fromEnv}, which is not set in the router's environment — set it where the router starts (the shell of \`pnpm pilot router start\`, or the unit's EnvironmentFile under systemd), then \`pnpm pilot router stop\` and start it again`,
      );
    }
    env[name] = passed;
  }
  return {
    ...env,
    PORT: String(facts.port),
    PILOT_ENV: facts.envName,
    PILOT_RELEASE: facts.version,
    ...(facts.dataDir ? { PILOT_DATA_DIR: facts.dataDir } : {}),
  };
}
