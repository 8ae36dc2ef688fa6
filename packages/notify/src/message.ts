import type { NotifyEventName } from '@pilot/core';

/** One rule's evidence for a verdict: what was observed against what was allowed. */
export interface Evidence {
  rule: string;
  observed: string;
  threshold: string;
}

/** What every message is made from: the facts of one event of one environment. */
export interface NotifyMessage {
  event: NotifyEventName;
  env: string;
  service: string;
  version?: string;
  previous?: string;
  deploymentId?: string;
  monitoringUrl?: string;
  /** The exact command that backs the release out now. */
  rollbackCommand?: string;
  weight?: number;
  step?: string;
  reason?: string;
  /** The command that continues (a pause) or what to do next. */
  nextCommand?: string;
  durationMs?: number;
  evidence?: Evidence[];
  /** Who or what acted: an operator's command, a rule, a monitor. */
  actor?: string;
  at: string;
  /** A sample sent by `pilot notify test`: the title says so. */
  test?: boolean;
}

/** The facts as name/value pairs, for a channel's fields (Slack fields, a Teams FactSet, the e-mail's table). */
export function factsOf(m: NotifyMessage): [string, string][] {
  const facts: [string, string | undefined][] = [
    ['Environment', m.env],
    ['Service', m.service],
    ['Version', m.version],
    ['Previous', m.previous],
    ['Weight', m.weight === undefined ? undefined : `${m.weight}%`],
    ['Deployment', m.deploymentId],
  ];
  return facts.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '');
}
