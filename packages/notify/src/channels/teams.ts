import { type NotifyMessage, factsOf } from '../message.ts';

/** Refuses an Office 365 connector URL: Microsoft retired those webhooks; Teams now takes Workflows webhooks. */
export function checkTeamsUrl(url: string): string | undefined {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  if (host === 'outlook.office.com' || host.endsWith('.webhook.office.com') || host === 'webhook.office.com') {
    return 'this is an Office 365 connector webhook (webhook.office.com), which Microsoft has retired — in Teams create a Workflows webhook ("Post to a channel when a webhook request is received") and use its URL';
  }
  return undefined;
}

/** A Teams Workflows webhook body: the message envelope with one Adaptive Card. */
export function teamsPayload(m: NotifyMessage, title: string, text: string): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading' },
    { type: 'TextBlock', text, wrap: true },
    { type: 'FactSet', facts: factsOf(m).map(([name, value]) => ({ title: name, value })) },
  ];
  if (m.rollbackCommand)
    body.push({
      type: 'TextBlock',
      text: `Roll back: ${m.rollbackCommand}`,
      wrap: true,
      fontType: 'Monospace',
      isSubtle: true,
    });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(m.monitoringUrl
      ? { actions: [{ type: 'Action.OpenUrl', title: 'Open monitoring', url: m.monitoringUrl }] }
      : {}),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
