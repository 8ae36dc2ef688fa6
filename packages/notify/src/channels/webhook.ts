import { createHmac, randomUUID } from 'node:crypto';
import type { NotifyMessage } from '../message.ts';

/** Version of the generic webhook payload: bumped on any incompatible change (README: Notifications). */
export const WEBHOOK_SCHEMA_VERSION = 1;
export const SIGNATURE_HEADER = 'x-pilot-signature-256';

/** The generic JSON payload and its headers; with a secret, `X-Pilot-Signature-256: sha256=<hex HMAC of the raw body>`. */
export function webhookRequest(
  m: NotifyMessage,
  title: string,
  text: string,
  secret?: string,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ schemaVersion: WEBHOOK_SCHEMA_VERSION, source: 'pilot', title, text, ...m });
  const headers: Record<string, string> = { 'x-pilot-event': m.event, 'x-pilot-delivery': randomUUID() };
  if (secret) headers[SIGNATURE_HEADER] = signBody(body, secret);
  return { body, headers };
}

export const signBody = (body: string, secret: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
