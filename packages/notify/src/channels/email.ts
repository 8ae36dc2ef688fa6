import { readFile } from 'node:fs/promises';
import type { ChannelConfig } from '@pilot/core';
import { createTransport } from 'nodemailer';
import type { Delivery } from '../http.ts';
import { type NotifyMessage, factsOf } from '../message.ts';

type EmailChannel = Extract<ChannelConfig, { kind: 'email' }>;

const html = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The mail's parts: plain text and HTML with the same facts, the rollback command and the monitoring link. */
export function emailParts(
  m: NotifyMessage,
  title: string,
  text: string,
): { subject: string; text: string; html: string } {
  const facts = factsOf(m);
  const plain = [
    text,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(m.rollbackCommand ? ['', `Roll back: ${m.rollbackCommand}`] : []),
    ...(m.monitoringUrl ? [`Monitoring: ${m.monitoringUrl}`] : []),
  ];
  const rich = [
    `<h2>${html(title)}</h2>`,
    `<p>${html(text).replaceAll('\n', '<br>')}</p>`,
    `<table>${facts.map(([k, v]) => `<tr><th align="left">${html(k)}</th><td>${html(v)}</td></tr>`).join('')}</table>`,
    m.rollbackCommand ? `<p>Roll back: <code>${html(m.rollbackCommand)}</code></p>` : '',
    m.monitoringUrl ? `<p><a href="${html(m.monitoringUrl)}">Open monitoring</a></p>` : '',
  ];
  return { subject: title, text: `${plain.join('\n')}\n`, html: rich.join('\n') };
}

/** Sends over SMTP with nodemailer: STARTTLS required unless configured otherwise, AUTH from environment variables. */
export async function sendEmail(
  channel: EmailChannel,
  parts: ReturnType<typeof emailParts>,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Delivery> {
  const user = channel.userEnv ? env[channel.userEnv] : undefined;
  const pass = channel.passwordEnv ? env[channel.passwordEnv] : undefined;
  if (channel.userEnv && !user)
    return { ok: false, attempts: 0, error: `${channel.userEnv} is not set (the SMTP user)` };
  if (channel.passwordEnv && !pass)
    return { ok: false, attempts: 0, error: `${channel.passwordEnv} is not set (the SMTP password)` };
  const transport = createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.secure,
    requireTLS: !channel.secure && channel.starttls === 'required',
    auth: user ? { user, pass } : undefined,
    tls: channel.caFile ? { ca: await readFile(channel.caFile) } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const deadline = new Promise<Delivery>((resolve) =>
    setTimeout(() => resolve({ ok: false, attempts: 1, error: `no answer within ${timeoutMs} ms` }), timeoutMs).unref(),
  );
  const send = transport
    .sendMail({ from: channel.from, to: channel.to, cc: channel.cc, ...parts })
    .then((): Delivery => ({ ok: true, attempts: 1 }))
    .catch(
      (error: Error & { responseCode?: number }): Delivery => ({
        ok: false,
        attempts: 1,
        status: error.responseCode,
        error: error.message,
      }),
    );
  try {
    return await Promise.race([send, deadline]);
  } finally {
    transport.close();
  }
}
