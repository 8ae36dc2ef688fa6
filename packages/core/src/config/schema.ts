import { z } from 'zod';
import { duration } from './duration-schema.ts';
import { hooksSchema, notifySchema } from './notify-schema.ts';
import { kubernetesTargetSchema } from './kubernetes-schema.ts';
import { prometheusSchema } from './prometheus-schema.ts';

export { duration };

const argv = z.array(z.string().min(1)).min(1, 'expected a command as an argument array, e.g. ["node", "server.js"]');
const path = z.string().startsWith('/', 'expected an HTTP path starting with "/"');
const port = z.number().int().min(1).max(65535);

export const serviceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case name (letters, digits, . _ -)'),
  /** Folder of the service in this repository, relative to the config file. */
  dir: z.string().min(1),
  /** Workspace package name, used for `pnpm deploy` when building a release. */
  package: z.string().min(1).optional(),
  /** Build command run in `dir` before packaging a release. */
  build: argv.optional(),
  /** Start command, run inside the release directory with PORT set. */
  start: argv,
  health: z.strictObject({ live: path.default('/health/live'), ready: path.default('/health/ready') }).prefault({}),
  /** The Prometheus endpoint smoke tests read; `false` for a service without one (the router's samples still feed analysis). */
  metricsPath: z.union([path, z.literal(false)]).default('/metrics'),
  /**
   * The release's environment besides PATH, HOME, LANG, LC_* and TZ, PORT and PILOT_* (nothing else is passed on): a value,
   * or `{ fromEnv: 'NAME' }` to pass the variable NAME through from the router's own environment when the release starts.
   */
  env: z
    .record(
      z.string(),
      z.union([
        z.string(),
        z.strictObject({
          fromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
        }),
      ]),
    )
    .default({}),
  /** Data that outlives releases (`{env}` substituted; default `.pilot/data/<env>/`), passed as PILOT_DATA_DIR. */
  dataDir: z.string().min(1).optional(),
});

const checkSchema = z.strictObject({
  name: z.string().min(1),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  path,
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expect: z
    .strictObject({
      status: z.number().int().min(100).max(599).default(200),
      contains: z.string().optional(),
      json: z.strictObject({ path: z.string().min(1), equals: z.unknown() }).optional(),
    })
    .prefault({}),
  maxLatency: duration.default('1s'),
  concurrency: z.number().int().min(1).max(1000).default(1),
});

// The URL holds a password: the config names the variable, never its value (which would land in the journal).
const urlEnv = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "expected the name of the environment variable holding the URL (urlEnv: 'DATABASE_URL'), not its value",
  );
const urlByName = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' && issue.keys?.includes('url')
      ? `Unrecognized key: "url" — name the variable instead (urlEnv: 'DATABASE_URL'): its value holds a password`
      : undefined,
};
const dependencySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('postgres'), name: z.string().default('postgres'), urlEnv }, urlByName),
  z.strictObject({ kind: z.literal('redis'), name: z.string().default('redis'), urlEnv }, urlByName),
]);

export const checksSchema = z
  .strictObject({
    smoke: z.array(checkSchema).default([]),
    dependencies: z.array(dependencySchema).default([]),
    timeout: duration.default('5s'),
    deadline: duration.default('60s'),
  })
  .prefault({});

const canaryStep = z.union([
  z.number().min(0).max(100),
  z.strictObject({ weight: z.number().min(0).max(100), hold: duration.optional(), after: duration.optional() }),
  z.strictObject({ pause: z.literal(true), reason: z.string().optional() }),
]);

export const strategySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('canary'),
    steps: z.array(canaryStep).min(1).default([5, 25, 50, 100]),
    analysisWindow: duration.default('30s'),
    interval: duration.default('5s'),
  }),
  z.strictObject({
    kind: z.literal('blue-green'),
    analysisWindow: duration.default('30s'),
    interval: duration.default('5s'),
    keepWarm: duration.default('15m'),
  }),
  z.strictObject({
    kind: z.literal('batch'),
    steps: z.array(canaryStep).min(1).default([5, 25, 50, 100]),
    analysisWindow: duration.default('30s'),
    interval: duration.default('5s'),
  }),
]);

const commandTargetSchema = z.strictObject({
  kind: z.literal('command'),
  prepare: argv.optional(),
  shift: argv,
  promote: argv.optional(),
  rollback: argv,
  status: argv.optional(),
  dryRun: argv.optional(),
  cwd: z.string().optional(),
});

const localTargetSchema = z.strictObject({
  kind: z.literal('local'),
  /** Admin API port of the router (loopback only). */
  adminPort: port.optional(),
  keepReleases: z.number().int().min(1).default(5),
  readyProbes: z.number().int().min(1).default(3),
  /** How long a new release may take to pass its readiness probes before the deploy is refused. */
  readyTimeout: duration.default('30s'),
  drainTimeout: duration.default('10s'),
  stopGrace: duration.default('10s'),
  /** How long a release may stay silent mid-request before the router answers 504 (HAProxy's `timeout server`). */
  responseTimeout: duration.default('60s'),
  /** Client connections the router holds open at most (new ones are closed unanswered, and logged, past it). */
  maxConnections: z.number().int().min(1).max(1_000_000).default(10_000),
  sticky: z.strictObject({ cookie: z.string().optional(), header: z.string().optional() }).optional(),
});

export const targetSchema = z.discriminatedUnion('kind', [
  localTargetSchema,
  commandTargetSchema,
  kubernetesTargetSchema,
]);

const windowSchema = z.strictObject({
  days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1),
  start: z.string().regex(/^\d{2}:\d{2}$/, 'expected HH:MM (UTC)'),
  end: z.string().regex(/^\d{2}:\d{2}$/, 'expected HH:MM (UTC)'),
});

export const environmentSchema = z.strictObject({
  /** Port the service answers on for this environment (the router listens here for the local target). */
  port,
  branch: z.string().optional(),
  target: targetSchema.prefault({ kind: 'local' }),
  strategy: strategySchema.optional(),
  /** Names of rule sets in policies/rules.yaml used while analysing and monitoring. */
  rules: z.array(z.string().min(1)).default(['canary']),
  windows: z.array(windowSchema).default([]),
  upstream: z.string().optional(),
  approvals: z
    .strictObject({
      count: z.number().int().min(0).default(0),
      roles: z.array(z.string()).default([]),
      expire: duration.default('24h'),
      /** Only approvals signed with an SSH key listed in policies/allowed_signers (with the role) count. */
      signatures: z.boolean().default(false),
    })
    .prefault({}),
  backup: z
    .strictObject({
      enabled: z.boolean().default(true),
      paths: z.array(z.string()).default([]),
      keep: z.number().int().min(1).default(10),
    })
    .prefault({}),
  watch: duration.default('15m'),
  monitoringUrl: z.string().optional(),
  /** Per-release metrics in Prometheus (`{version}` in each selector): the monitoring page's charts on the `command` target. */
  prometheus: prometheusSchema.optional(),
  /** `pilot` runs the Go/No-Go gate (`pilot gate`) before the first traffic shift and refuses on NO-GO. */
  gate: z.boolean().default(false),
  /** The final promotion step waits for the release's attestation and refuses an unverified one. */
  requireAttestation: z.boolean().default(false),
  /** Run the migrate step here (when `migrations` is configured), optionally with this environment's database URL variable. */
  migrate: z
    .strictObject({
      enabled: z.boolean().default(true),
      databaseUrlEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
        .optional(),
    })
    .prefault({}),
  /** Channels (names from `notify.channels`) told about this environment's deployments. */
  notify: z.array(z.string().min(1)).default([]),
  hooks: hooksSchema.prefault({}),
});

const sqlCheckSchema = z.strictObject({
  name: z.string().min(1),
  sql: z.string().min(1),
  /** The first column of the first row must equal this (compared as text); without it the query must return a row. */
  expect: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/** Safe PostgreSQL migrations (`migration-dryrun`, `safe-migration`, pilot's migrate step). */
export const migrationsSchema = z.strictObject({
  /** Folder of `*.sql` migrations, applied in file-name order. */
  dir: z.string().min(1).default('migrations'),
  /** Name of the environment variable that holds the database URL (its value is a secret: masked everywhere). */
  databaseUrlEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .default('DATABASE_URL'),
  /** Table that records applied migrations. */
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'expected a lower-case SQL identifier')
    .default('pilot_migrations'),
  lockTimeout: duration.default('5s'),
  statementTimeout: duration.default('60s'),
  /** Retries of a migration that hit lock_timeout (SQLSTATE 55P03), with doubling back-off from `retryBackoff`. */
  retries: z.number().int().min(0).max(20).default(5),
  retryBackoff: duration.default('1s'),
  /** SQL checks run after applying. */
  verify: z.array(sqlCheckSchema).default([]),
});

/** SBOM, signing and provenance (`pnpm attest`, started by pilot in the background after the release build). */
export const attestSchema = z.strictObject({
  /** Workspace packages to describe in SBOMs (default: service.package). */
  packages: z.array(z.string().min(1)).default([]),
  /** cosign-format encrypted private key; its password comes from COSIGN_PASSWORD. */
  key: z.string().optional(),
  /** The public key a release's signature must verify with (`requireAttestation` pins the signer with it). */
  publicKey: z.string().optional(),
  /** Sign keylessly with sigstore-js: a Fulcio certificate for the CI's OIDC token, a Rekor entry (no key, no cosign binary). */
  keyless: z.boolean().default(false),
  /** Who must have signed keylessly: the certificate's OIDC issuer and its subject (the workflow identity URI). */
  identity: z
    .strictObject({
      issuer: z.string().regex(/^https:\/\/\S+$/, 'expected an https:// OIDC issuer URL'),
      subject: z.string().min(1),
    })
    .optional(),
  /** Sigstore services for keyless signing (default: the public-good Fulcio and Rekor) and the trusted root verification uses (default: the one shipped with @sigstore/tuf). */
  sigstore: z
    .strictObject({
      fulcioUrl: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'expected a URL')
        .optional(),
      rekorUrl: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'expected a URL')
        .optional(),
      trustedRoot: z.string().min(1).optional(),
    })
    .prefault({}),
  /** `builtin` signs on node:crypto (cosign-compatible files); `cosign` calls the cosign binary. */
  signer: z.enum(['builtin', 'cosign']).default('builtin'),
  /** pilot starts `attest` in the background right after the release is built. */
  onDeploy: z.boolean().default(true),
});

/**
 * The canary judge: `sequential` (default) looks at every analysis interval and spends one false-rollback budget over the
 * whole deployment — on the local router's samples, or on a `command` target from `environments.<env>.prometheus`;
 * `fixed` judges once per window (local target only).
 */
export const judgeSchema = z.strictObject({
  kind: z.enum(['sequential', 'fixed']).default('sequential'),
  /** Chance of rolling back a release no worse than stable, over the whole deployment (every step, metric and look). */
  alpha: z
    .number()
    .gt(0, 'expected a probability above 0')
    .max(0.2, 'expected at most 0.2 (a false rollback in 1 of 5 deployments)')
    .default(0.02),
});

export const configSchema = z
  .strictObject({
    service: serviceSchema,
    environments: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case environment name'), environmentSchema)
      .refine((envs) => Object.keys(envs).length > 0, 'expected at least one environment'),
    strategy: strategySchema.prefault({ kind: 'canary' }),
    checks: checksSchema,
    /** Names of environment variables whose values are secrets: masked in every log, journal and report. */
    secrets: z.array(z.string()).default([]),
    migrations: migrationsSchema.optional(),
    attest: attestSchema.prefault({}),
    judge: judgeSchema.prefault({}),
    notify: notifySchema.optional(),
    etag: z
      .strictObject({ folders: z.array(z.string()).default([]), ignore: z.array(z.string()).default([]) })
      .prefault({}),
    git: z
      .strictObject({
        tagPattern: z.string().default('{service}-{env}-{version}'),
        remote: z.string().optional(),
        /** GitHub integration: preflight needs `gh` and `gh auth status`. */
        github: z.boolean().default(false),
        /** A migration log that must have no uncommitted changes before a deployment (e.g. `.async-migration-log`). */
        migrationLog: z.string().optional(),
        /** Paths that may be dirty in the work tree without failing preflight (`.pilot/` always may). */
        allowDirty: z.array(z.string()).default([]),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    // Every channel an environment or a trigger names must be defined, so a typo is caught before a deployment is silent.
    const defined = Object.keys(config.notify?.channels ?? {});
    const unknown = (name: string) => !defined.includes(name);
    for (const [env, { notify }] of Object.entries(config.environments)) {
      notify.forEach((name, i) => {
        if (unknown(name))
          ctx.addIssue({
            code: 'custom',
            path: ['environments', env, 'notify', i],
            message: `no channel "${name}" in notify.channels (defined: ${defined.join(', ') || 'none'})`,
          });
      });
    }
    for (const [event, names] of Object.entries(config.notify?.triggers ?? {})) {
      (names ?? []).forEach((name, i) => {
        if (unknown(name))
          ctx.addIssue({
            code: 'custom',
            path: ['notify', 'triggers', event, i],
            message: `no channel "${name}" in notify.channels (defined: ${defined.join(', ') || 'none'})`,
          });
      });
    }
  });

/** What a team writes in pilot.config.ts (defaults may be left out). */
export type PilotConfigInput = z.input<typeof configSchema>;
/** The validated config with defaults filled in. */
export type PilotConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type StrategyConfig = z.output<typeof strategySchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type MigrationsConfig = z.output<typeof migrationsSchema>;
export type AttestConfig = z.output<typeof attestSchema>;
export type JudgeConfig = z.output<typeof judgeSchema>;
export type { ChannelConfig, HooksConfig, NotifyConfig, NotifyEventName } from './notify-schema.ts';
export { NOTIFY_EVENTS, notifySecretNames } from './notify-schema.ts';
export { prometheusSchema, type PrometheusConfig } from './prometheus-schema.ts';
