import type { EnvContext, Logger, NotifyEventName } from '@pilot/core';
import type { Evidence, NotifyMessage, Notifier } from '@pilot/notify';
import type { DeployRun } from '../engine/run.ts';
import { monitoringUrlOf } from '../engine/urls.ts';

// The journal's events that people are told about, and what each is called in a message.
// (`deployment.started` is journalled before the steps run: executeSteps announces it.)
const FROM_JOURNAL: Record<string, NotifyEventName> = {
  'step.completed': 'step.reached',
  'deployment.paused': 'deployment.paused',
  'deployment.succeeded': 'deployment.succeeded',
  'deployment.rolled_back': 'deployment.rolled_back',
  'deployment.failed': 'deployment.failed',
  'deployment.aborted': 'deployment.interrupted',
};

/**
 * Tells the environment's channels what this deployment does, following its journal: started, each new traffic
 * weight, paused, succeeded, rolled back, failed, interrupted. Returns `flush`, which the command awaits before it
 * exits (bounded by the channel timeout), and nothing at all when the environment names no channel.
 */
export async function notifyDeployment(run: DeployRun, o: { announce: boolean }): Promise<{ flush(): Promise<void> }> {
  const { ctx } = run;
  if (run.runner.dry || !ctx.config.notify || ctx.env.notify.length === 0) return { flush: async () => {} };
  const { createNotifier } = await import('@pilot/notify');
  const notifier: Notifier = createNotifier({
    config: ctx.config,
    envName: ctx.envName,
    log: run.log,
    journal: (event, fields) => run.runner.journal(event, fields),
  });
  run.notifications = notifier.deliveries;
  let lastWeight = run.state.weight ?? 0;
  if (o.announce) notifier.notify(messageOf(run, 'deployment.started', {}, 0));
  const stop = run.runner.observe((event, fields) => {
    const mapped = FROM_JOURNAL[event];
    if (!mapped) return;
    const name = mapped === 'deployment.failed' ? failureEvent(fields, run.runner.currentStep) : mapped;
    const weight = run.state.weight ?? 0;
    if (name === 'step.reached' && (weight === lastWeight || weight === 0)) return; // only a new share of traffic is news
    if (name === 'step.reached') lastWeight = weight;
    notifier.notify(messageOf(run, name, fields, weight));
  });
  return {
    async flush() {
      stop();
      await notifier.flush();
    },
  };
}

// A NO-GO at the gate changed nothing, and a failed pre-deploy backup made no safety copy: news of their own.
function failureEvent(fields: Record<string, unknown>, step: string | undefined): NotifyEventName {
  if (fields.refused) return 'deployment.refused';
  return step === 'backup' ? 'backup.failed' : 'deployment.failed';
}

function messageOf(
  run: DeployRun,
  event: NotifyEventName,
  fields: Record<string, unknown>,
  weight: number,
): NotifyMessage {
  const { ctx, state } = run;
  const final = event === 'deployment.succeeded';
  const open = event === 'deployment.started' || event === 'step.reached' || event === 'deployment.paused';
  return {
    event,
    env: ctx.envName,
    service: ctx.config.service.name,
    version: run.candidate().version,
    previous: state.stable?.version,
    deploymentId: run.id,
    monitoringUrl: monitoringUrlOf(ctx.env, ctx.envName),
    // What backs the release out from where it stands: abort while the deployment is open, rollback once it is live.
    rollbackCommand: open
      ? `pnpm pilot abort --env ${ctx.envName}`
      : final
        ? `pnpm rollback --env ${ctx.envName}`
        : undefined,
    weight: event === 'step.reached' || event === 'deployment.rolled_back' ? weight || undefined : undefined,
    step: typeof fields.step === 'string' ? fields.step : run.runner.currentStep,
    reason: typeof fields.reason === 'string' ? fields.reason : undefined,
    nextCommand: event === 'deployment.paused' ? `pnpm pilot promote --env ${ctx.envName}` : undefined,
    durationMs: typeof fields.elapsedMs === 'number' ? fields.elapsedMs : undefined,
    evidence: Array.isArray(fields.reasons) ? fields.reasons.map(evidenceOf) : undefined,
    actor:
      event === 'deployment.interrupted' ? (typeof fields.reason === 'string' ? fields.reason : 'a signal') : undefined,
    at: new Date().toISOString(),
  };
}

function evidenceOf(reason: Record<string, unknown>): Evidence {
  const text = (value: unknown) =>
    value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return {
    rule: text(reason.rule ?? reason.metric ?? reason.name ?? reason.check),
    observed: text(reason.observed ?? reason.detail),
    threshold: text(reason.threshold ?? reason.limit),
  };
}

/** One message outside a deployment run (`pnpm rollback`, `pilot abort`), sent before the command exits. */
export async function notifyOnce(
  ctx: EnvContext,
  log: Logger,
  message: Omit<NotifyMessage, 'env' | 'service' | 'at'>,
  journal?: (event: string, fields: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  if (!ctx.config.notify || ctx.env.notify.length === 0) return;
  const { createNotifier } = await import('@pilot/notify');
  const notifier = createNotifier({ config: ctx.config, envName: ctx.envName, log, journal });
  notifier.notify({
    env: ctx.envName,
    service: ctx.config.service.name,
    monitoringUrl: monitoringUrlOf(ctx.env, ctx.envName),
    at: new Date().toISOString(),
    ...message,
  });
  await notifier.flush();
}
