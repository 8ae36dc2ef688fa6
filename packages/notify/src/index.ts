export {
  createNotifier,
  channelsFor,
  deliver,
  type Notifier,
  type NotifierOptions,
  type DeliveryRecord,
} from './notifier.ts';
export type { NotifyMessage, Evidence } from './message.ts';
export { renderMessage } from './templates.ts';
export { slackPayload } from './channels/slack.ts';
export { teamsPayload, checkTeamsUrl } from './channels/teams.ts';
export { webhookRequest, signBody, SIGNATURE_HEADER, WEBHOOK_SCHEMA_VERSION } from './channels/webhook.ts';
export { emailParts } from './channels/email.ts';
export { retryAfterMs, type Delivery } from './http.ts';
