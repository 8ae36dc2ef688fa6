import { z } from 'zod';
import { duration } from './duration-schema.ts';

const envVar = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const argv = z
  .array(z.string().min(1))
  .min(1, 'expected a command as an argument array, e.g. ["./scripts/warm-cache.sh"]');

/** What Pilot tells people about: each deployment, monitor and manual-rollback event a channel can be triggered by. */
export const NOTIFY_EVENTS = [
  'deployment.started',
  'step.reached',
  'deployment.paused',
  'deployment.succeeded',
  'deployment.rolled_back',
  'deployment.failed',
  'deployment.refused',
  'deployment.interrupted',
  'approval.needed',
  'monitor.alert',
  'monitor.rolled_back',
  'rollback.manual',
  'attestation.failed',
  'backup.failed',
] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

// A webhook URL carries its credential in the path: it may only come from an environment variable.
const noLiteralUrl = (channel: { url?: unknown }, ctx: z.RefinementCtx) => {
  if (channel.url !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message:
        'a webhook URL is a secret (its path is the token): put it in an environment variable and name that variable with urlEnv',
    });
  }
};
const webhookish = <K extends string>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), urlEnv: envVar, url: z.unknown().optional() }).superRefine(noLiteralUrl);

export const channelSchema = z.discriminatedUnion('kind', [
  webhookish('slack'),
  webhookish('teams'),
  /** Pilot's own JSON payload; with secretEnv, signed HMAC-SHA256 over the raw body (X-Pilot-Signature-256). */
  z
    .strictObject({
      kind: z.literal('webhook'),
      urlEnv: envVar,
      url: z.unknown().optional(),
      secretEnv: envVar.optional(),
    })
    .superRefine(noLiteralUrl),
  z.strictObject({
    kind: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the first byte (port 465); false: STARTTLS, required unless `starttls: 'opportunistic'`. */
    secure: z.boolean().default(false),
    starttls: z.enum(['required', 'opportunistic']).default('required'),
    userEnv: envVar.optional(),
    passwordEnv: envVar.optional(),
    /** PEM file of a private CA (a company relay); the system's CAs otherwise. */
    caFile: z.string().optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    cc: z.array(z.string().min(3)).default([]),
  }),
]);

export const notifySchema = z.strictObject({
  channels: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lower-case channel name'), channelSchema),
  /** Event → channel names. Without it, every event goes to every channel the environment names. */
  triggers: z.partialRecord(z.enum(NOTIFY_EVENTS), z.array(z.string())).optional(),
  /** Per event, a mustache template for the title and/or the text replacing the built-in one. */
  templates: z
    .partialRecord(z.enum(NOTIFY_EVENTS), z.strictObject({ title: z.string().optional(), text: z.string().optional() }))
    .default({}),
  /** Per channel and message; a slow or dead channel never holds a deployment longer than this. */
  timeout: duration.default('5s'),
  /** Retries on 429/5xx and network errors, with back-off (Retry-After honoured), within the timeout. */
  retries: z.number().int().min(0).max(5).default(2),
});

const hookCommand = z.strictObject({ run: argv, timeout: duration.default('60s') });
const gate = z
  .strictObject({
    url: z.string().url().optional(),
    urlEnv: envVar.optional(),
    secretEnv: envVar.optional(),
    timeout: duration.default('10s'),
  })
  .refine((g) => (g.url === undefined) !== (g.urlEnv === undefined), 'expected exactly one of url or urlEnv');

/** The team's own steps (commands, never a shell string) and webhook gates, per environment. */
export const hooksSchema = z.strictObject({
  preDeploy: z.array(hookCommand).default([]),
  postPrepare: z.array(hookCommand).default([]),
  prePromote: z.array(hookCommand).default([]),
  postDeploy: z.array(hookCommand).default([]),
  postRollback: z.array(hookCommand).default([]),
  confirmRollout: gate.optional(),
  confirmPromotion: gate.optional(),
});

export type NotifyConfig = z.output<typeof notifySchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type HooksConfig = z.output<typeof hooksSchema>;

/** Environment variables whose values are secrets because notify and hooks read credentials from them. */
export function notifySecretNames(config: {
  notify?: NotifyConfig;
  environments: Record<string, { hooks: HooksConfig }>;
}): string[] {
  const names: (string | undefined)[] = [];
  for (const channel of Object.values(config.notify?.channels ?? {})) {
    if (channel.kind === 'email') names.push(channel.userEnv, channel.passwordEnv);
    else names.push(channel.urlEnv, channel.kind === 'webhook' ? channel.secretEnv : undefined);
  }
  for (const { hooks } of Object.values(config.environments)) {
    for (const gate of [hooks.confirmRollout, hooks.confirmPromotion]) names.push(gate?.urlEnv, gate?.secretEnv);
  }
  return names.filter((name): name is string => Boolean(name));
}
