import { type NotifyMessage, factsOf } from '../message.ts';

// Block Kit limits (api.slack.com/reference/block-kit/blocks): header 150 chars, section text 3000, a field 2000, 10 fields.
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const mrkdwn = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A Slack incoming-webhook payload: header, text, fields, the rollback command as context, a button to the monitoring page. */
export function slackPayload(m: NotifyMessage, title: string, text: string): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(mrkdwn(text), 3000) } },
    {
      type: 'section',
      fields: factsOf(m)
        .slice(0, 10)
        .map(([name, value]) => ({ type: 'mrkdwn', text: cut(`*${name}*\n${mrkdwn(value)}`, 2000) })),
    },
  ];
  if (m.rollbackCommand)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: cut(`Roll back: \`${mrkdwn(m.rollbackCommand)}\``, 3000) }],
    });
  if (m.monitoringUrl)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open monitoring' },
          url: m.monitoringUrl,
          action_id: 'pilot-monitoring',
        },
      ],
    });
  // `text` is the notification's fallback (push notifications, screen readers).
  return { text: cut(title, 3000), blocks };
}
