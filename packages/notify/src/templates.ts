import type { NotifyConfig, NotifyEventName } from '@pilot/core';
import Mustache from 'mustache';
import type { NotifyMessage } from './message.ts';

interface Template {
  title: string;
  text: string;
}

// Built-in wording per event. A team overrides any title or text from `notify.templates` (mustache, logic-less: no eval).
const BUILT_IN: Record<NotifyEventName, Template> = {
  'deployment.started': {
    title: '{{service}} {{version}} → {{env}}: deployment started',
    text: 'Deploying {{version}} over {{previous}}{{^previous}}nothing (first release){{/previous}} ({{deploymentId}}).',
  },
  'step.reached': {
    title: '{{service}} {{version}} on {{env}}: {{weight}}% of traffic',
    text: '{{version}} now serves {{weight}}% ({{step}}).',
  },
  'deployment.paused': {
    title: '{{service}} {{version}} on {{env}}: paused',
    text: 'Paused at {{step}}: {{reason}}{{#nextCommand}}\nContinue with: {{nextCommand}}{{/nextCommand}}',
  },
  'deployment.succeeded': {
    title: '{{service}} {{version}} is live on {{env}}',
    text: '{{version}} replaced {{previous}}{{^previous}}nothing{{/previous}} in {{duration}}.',
  },
  'deployment.rolled_back': {
    title: '{{service}} {{version}} on {{env}}: ROLLED BACK',
    text: 'Rolled back at {{step}}{{#weight}} ({{weight}}%){{/weight}}: {{reason}}{{#evidenceText}}\n{{evidenceText}}{{/evidenceText}}\nTraffic is on {{previous}}.',
  },
  'deployment.failed': { title: '{{service}} {{version}} on {{env}}: FAILED', text: '{{reason}}' },
  'deployment.refused': {
    title: '{{service}} {{version}} → {{env}}: refused by the Go/No-Go gate',
    text: 'Nothing was changed on {{env}}: {{previous}}{{^previous}}nothing{{/previous}} still serves.\n{{reason}}',
  },
  'deployment.interrupted': { title: '{{service}} {{version}} on {{env}}: interrupted', text: '{{reason}}' },
  'approval.needed': {
    title: '{{service}} {{version}} → {{env}}: approval needed',
    text: '{{reason}}{{#nextCommand}}\nApprove with: {{nextCommand}}{{/nextCommand}}',
  },
  'monitor.alert': {
    title: '{{service}} on {{env}}: monitor alert',
    text: '{{reason}}{{#evidenceText}}\n{{evidenceText}}{{/evidenceText}}',
  },
  'monitor.rolled_back': {
    title: '{{service}} on {{env}}: monitor rolled back {{version}}',
    text: '{{reason}}{{#evidenceText}}\n{{evidenceText}}{{/evidenceText}}\nTraffic is on {{previous}}.',
  },
  'rollback.manual': {
    title: '{{service}} on {{env}}: rolled back by hand to {{version}}',
    text: '{{actor}} rolled {{env}} back from {{previous}} to {{version}}{{#reason}}: {{reason}}{{/reason}}.',
  },
  'attestation.failed': { title: '{{service}} {{version}}: attestation failed', text: '{{reason}}' },
  'backup.failed': { title: '{{service}} on {{env}}: backup failed', text: '{{reason}}' },
};

/** Title and text of a message, from the team's template for its event or the built-in one. */
export function renderMessage(m: NotifyMessage, templates: NotifyConfig['templates'] = {}): Template {
  const own = templates[m.event] ?? {};
  const view = {
    ...m,
    duration: m.durationMs === undefined ? '' : formatMs(m.durationMs),
    evidenceText: (m.evidence ?? []).map((e) => `${e.rule}: observed ${e.observed}, allowed ${e.threshold}`).join('\n'),
  };
  // Plain text out: escaping is each channel's business (mrkdwn, HTML), not the template's.
  const render = (template: string) => Mustache.render(template, view, {}, { escape: (value: string) => value }).trim();
  const title = render(own.title ?? BUILT_IN[m.event].title);
  return { title: m.test ? `[Pilot test] ${title}` : title, text: render(own.text ?? BUILT_IN[m.event].text) };
}

function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}
