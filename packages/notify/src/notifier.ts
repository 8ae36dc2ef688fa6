import { type ChannelConfig, type Logger, type NotifyConfig, type PilotConfig, parseDuration } from '@pilot/core';
import { emailParts, sendEmail } from './channels/email.ts';
import { slackPayload } from './channels/slack.ts';
import { checkTeamsUrl, teamsPayload } from './channels/teams.ts';
import { webhookRequest } from './channels/webhook.ts';
import { type Delivery, post } from './http.ts';
import type { NotifyMessage } from './message.ts';
import { renderMessage } from './templates.ts';

/** One message to one channel, as `--json` and `pilot status` report it. */
export interface DeliveryRecord extends Delivery {
  channel: string;
  kind: ChannelConfig['kind'];
  event: NotifyMessage['event'];
}

export interface NotifierOptions {
  config: PilotConfig;
  envName: string;
  log: Logger;
  /** Journals each delivery (`notify.sent` / `notify.failed`); a deployment passes its journal. */
  journal?: (event: string, fields: Record<string, unknown>) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export interface Notifier {
  /** Starts sending in the background: never throws, never waits. */
  notify(message: NotifyMessage): void;
  /** Waits for every message started so far (each bounded by the channel timeout). */
  flush(): Promise<DeliveryRecord[]>;
  readonly deliveries: DeliveryRecord[];
}

/** The channels of `names` (all of the environment's by default) that an event triggers. */
export function channelsFor(
  notify: NotifyConfig | undefined,
  envChannels: string[],
  event: NotifyMessage['event'],
): string[] {
  if (!notify) return [];
  const triggered = notify.triggers ? (notify.triggers[event] ?? []) : envChannels;
  return envChannels.filter((name) => triggered.includes(name));
}

/** Sends one message to one channel, within the channel timeout. */
export async function deliver(
  channel: ChannelConfig,
  notify: NotifyConfig,
  message: NotifyMessage,
  env: NodeJS.ProcessEnv,
): Promise<Delivery> {
  const { title, text } = renderMessage(message, notify.templates);
  const timeoutMs = parseDuration(notify.timeout);
  if (channel.kind === 'email') return sendEmail(channel, emailParts(message, title, text), env, timeoutMs);
  const url = env[channel.urlEnv];
  if (!url) return { ok: false, attempts: 0, error: `${channel.urlEnv} is not set (the ${channel.kind} webhook URL)` };
  const options = { timeoutMs, retries: notify.retries };
  if (channel.kind === 'slack') return post(url, JSON.stringify(slackPayload(message, title, text)), options);
  if (channel.kind === 'teams') {
    const retired = checkTeamsUrl(url);
    return retired
      ? { ok: false, attempts: 0, error: retired }
      : post(url, JSON.stringify(teamsPayload(message, title, text)), options);
  }
  const secret = channel.secretEnv ? env[channel.secretEnv] : undefined;
  if (channel.secretEnv && !secret)
    return { ok: false, attempts: 0, error: `${channel.secretEnv} is not set (the webhook's signing secret)` };
  const request = webhookRequest(message, title, text, secret);
  return post(url, request.body, { ...options, headers: request.headers });
}

/**
 * Tells the environment's channels about events, never in the way of the deployment: sending runs in the
 * background, each channel within its timeout; a failure is one warning and a `notify.failed` journal entry.
 */
export function createNotifier(o: NotifierOptions): Notifier {
  const notify = o.config.notify;
  const envChannels = o.config.environments[o.envName]?.notify ?? [];
  const pending: Promise<DeliveryRecord>[] = [];
  const deliveries: DeliveryRecord[] = [];
  const warned = new Set<string>();
  const send = async (name: string, message: NotifyMessage): Promise<DeliveryRecord> => {
    const channel = notify!.channels[name];
    // A reason or an output line may quote a credential: messages are masked like every log line.
    const masked = o.log.redactor.value(message) as NotifyMessage;
    const delivery = await deliver(channel, notify!, masked, o.env ?? process.env).catch(
      (error: Error): Delivery => ({ ok: false, attempts: 0, error: error.message }),
    );
    const record: DeliveryRecord = { channel: name, kind: channel.kind, event: message.event, ...delivery };
    deliveries.push(record);
    const fields = {
      channel: name,
      kind: channel.kind,
      message: message.event,
      attempts: record.attempts,
      ...(record.status ? { status: record.status } : {}),
    };
    if (record.ok) {
      o.log.debug('notify.sent', `${message.event} sent to ${name}`, fields);
    } else if (!warned.has(name)) {
      warned.add(name);
      o.log.warn(
        'notify.failed',
        `notification channel ${name} (${channel.kind}) failed: ${record.error} — the deployment goes on`,
        fields,
      );
    }
    await o
      .journal?.(record.ok ? 'notify.sent' : 'notify.failed', record.ok ? fields : { ...fields, error: record.error })
      .catch(() => {});
    return record;
  };
  return {
    deliveries,
    notify(message) {
      for (const name of channelsFor(notify, envChannels, message.event)) pending.push(send(name, message));
    },
    async flush() {
      await Promise.all(pending.splice(0));
      return deliveries;
    },
  };
}
