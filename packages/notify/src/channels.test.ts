import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { test } from 'node:test';
import { createNotifier } from './notifier.ts';
import type { NotifyMessage } from './message.ts';
import { configWith, recordingLogger, startReceiver } from './testing/receivers.ts';

const TOKEN = 'T0K3N-secret-path-9f8e7d';
const rolledBack: NotifyMessage = {
  event: 'deployment.rolled_back',
  env: 'staging',
  service: 'shop',
  version: 'v42',
  previous: 'v41',
  deploymentId: 'staging-20261129-abc',
  step: 'canary 25%',
  weight: 25,
  reason: 'error_rate above threshold',
  evidence: [{ rule: 'error_rate', observed: '7.5%', threshold: '≤ 1%' }],
  monitoringUrl: 'http://127.0.0.1:18081/ui/',
  rollbackCommand: 'pnpm rollback --env staging',
  at: new Date().toISOString(),
};

test('Slack: a Block Kit message (header, text, fields, rollback command, monitoring button); the webhook URL never in the body or the log', async (t) => {
  const slack = await startReceiver(t);
  const { log, output } = recordingLogger();
  const journal: [string, Record<string, unknown>][] = [];
  const notifier = createNotifier({
    config: configWith({ channels: { ops: { kind: 'slack', urlEnv: 'SLACK_URL' } } }, ['ops']),
    envName: 'staging',
    log,
    env: { SLACK_URL: `${slack.url}/services/${TOKEN}` },
    journal: async (event, fields) => void journal.push([event, fields]),
  });
  notifier.notify(rolledBack);
  const [record] = await notifier.flush();
  assert.equal(record.ok, true, record.error);
  const body = JSON.parse(slack.received[0].body);
  assert.equal(slack.received[0].path, `/services/${TOKEN}`);
  assert.equal(slack.received[0].headers['content-type'], 'application/json');
  assert.match(body.text, /shop v42 on staging: ROLLED BACK/);
  const [header, section, fields, context, actions] = body.blocks;
  assert.deepEqual([header.type, header.text.type], ['header', 'plain_text']);
  assert.ok(header.text.text.length <= 150);
  assert.equal(section.text.type, 'mrkdwn');
  assert.match(
    section.text.text,
    /Rolled back at canary 25% \(25%\): error_rate above threshold\nerror_rate: observed 7\.5%, allowed ≤ 1%\nTraffic is on v41/,
  );
  assert.ok(fields.fields.some((f: { text: string }) => f.text === '*Previous*\nv41'));
  assert.equal(context.elements[0].text, 'Roll back: `pnpm rollback --env staging`');
  assert.deepEqual([actions.elements[0].type, actions.elements[0].url], ['button', rolledBack.monitoringUrl]);
  assert.ok(!slack.received[0].body.includes(TOKEN));
  assert.deepEqual(
    journal.map(([event]) => event),
    ['notify.sent'],
  );
  assert.ok(!output().includes(TOKEN));
});

test('Teams: a Workflows message envelope with one Adaptive Card; an Office 365 connector URL is refused with the reason', async (t) => {
  const teams = await startReceiver(t, (_n, res) => {
    res.statusCode = 202; // what a Workflows webhook answers
    res.end();
  });
  const config = configWith({ channels: { team: { kind: 'teams', urlEnv: 'TEAMS_URL' } } }, ['team']);
  const notifier = createNotifier({
    config,
    envName: 'staging',
    log: recordingLogger().log,
    env: { TEAMS_URL: `${teams.url}/workflows/${TOKEN}` },
  });
  notifier.notify(rolledBack);
  assert.equal((await notifier.flush())[0].ok, true);
  const body = JSON.parse(teams.received[0].body);
  assert.equal(body.type, 'message');
  assert.equal(body.attachments.length, 1);
  assert.equal(body.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  const card = body.attachments[0].content;
  assert.deepEqual(
    [card.type, card.version, card.$schema],
    ['AdaptiveCard', '1.4', 'http://adaptivecards.io/schemas/adaptive-card.json'],
  );
  assert.match(card.body[0].text, /ROLLED BACK/);
  assert.ok(
    card.body.some(
      (b: { type: string; facts?: { title: string; value: string }[] }) =>
        b.type === 'FactSet' && b.facts?.some((f) => f.title === 'Version' && f.value === 'v42'),
    ),
  );
  assert.deepEqual(card.actions[0], {
    type: 'Action.OpenUrl',
    title: 'Open monitoring',
    url: rolledBack.monitoringUrl,
  });

  const { log, output } = recordingLogger();
  const retired = createNotifier({
    config,
    envName: 'staging',
    log,
    env: { TEAMS_URL: `https://acme.webhook.office.com/webhookb2/${TOKEN}` },
  });
  retired.notify(rolledBack);
  const [refused] = await retired.flush();
  assert.equal(refused.ok, false);
  assert.equal(refused.attempts, 0, 'nothing is sent to a retired connector');
  assert.match(refused.error ?? '', /Office 365 connector webhook .* retired .* Workflows webhook/);
  assert.match(output(), /notify\.failed/);
});

test('generic webhook: versioned payload, HMAC-SHA256 signature a receiver can verify, Retry-After honoured', async (t) => {
  const hook = await startReceiver(t, (n, res) => {
    if (n === 1) {
      res.statusCode = 429;
      res.setHeader('retry-after', '1');
    }
    res.end(n === 1 ? 'slow down' : 'ok');
  });
  const secret = 'whsec-0123456789';
  const notifier = createNotifier({
    config: configWith({ channels: { audit: { kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET' } } }, [
      'audit',
    ]),
    envName: 'staging',
    log: recordingLogger().log,
    env: { HOOK_URL: `${hook.url}/pilot`, HOOK_SECRET: secret },
  });
  notifier.notify(rolledBack);
  const [record] = await notifier.flush();
  assert.equal(record.ok, true, record.error);
  assert.equal(record.attempts, 2);
  const [first, second] = hook.received;
  assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms, Retry-After said 1 s`);
  const expected = `sha256=${createHmac('sha256', secret).update(second.body).digest('hex')}`;
  assert.equal(second.headers['x-pilot-signature-256'], expected);
  const payload = JSON.parse(second.body);
  assert.equal(payload.schemaVersion, 1);
  assert.equal(payload.event, 'deployment.rolled_back');
  assert.equal(payload.rollbackCommand, 'pnpm rollback --env staging');
  assert.ok(!second.body.includes(secret));
});

test('never in the way: refused, failing and hanging channels cost at most the timeout, warn once each and journal notify.failed', async (t) => {
  const failing = await startReceiver(t, (_n, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
  const hanging = await startReceiver(t, () => {}); // never answers
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now: connections are refused
  const { log, output } = recordingLogger();
  const journal: string[] = [];
  const notifier = createNotifier({
    config: configWith(
      {
        timeout: '800ms',
        channels: {
          a: { kind: 'webhook', urlEnv: 'A' },
          b: { kind: 'slack', urlEnv: 'B' },
          c: { kind: 'teams', urlEnv: 'C' },
          d: { kind: 'webhook', urlEnv: 'UNSET' },
        },
      },
      ['a', 'b', 'c', 'd'],
    ),
    envName: 'staging',
    log,
    env: { A: failing.url, B: hanging.url, C: `${refusedUrl}/x` },
    journal: async (event) => void journal.push(event),
  });
  const started = Date.now();
  notifier.notify(rolledBack);
  notifier.notify({ ...rolledBack, event: 'deployment.started' });
  const records = await notifier.flush();
  const took = Date.now() - started;
  assert.ok(took < 800 + 700, `flush took ${took} ms with a timeout of 800 ms`);
  assert.equal(records.length, 8);
  assert.ok(records.every((r) => !r.ok));
  assert.match(records.find((r) => r.channel === 'a')?.error ?? '', /HTTP 500: boom/);
  assert.match(records.find((r) => r.channel === 'b')?.error ?? '', /no answer within 800 ms/);
  assert.match(records.find((r) => r.channel === 'c')?.error ?? '', /ECONNREFUSED/);
  assert.match(records.find((r) => r.channel === 'd')?.error ?? '', /UNSET is not set/);
  assert.ok(failing.received.length >= 2, 'a 500 is retried');
  assert.equal(journal.filter((e) => e === 'notify.failed').length, 8);
  assert.equal(output().match(/"event":"notify.failed"/g)?.length, 4, 'one warning per channel, not per message');
});

test('triggers pick channels per event; templates from config replace the built-in wording', async (t) => {
  const hook = await startReceiver(t);
  const notifier = createNotifier({
    config: configWith(
      {
        channels: { audit: { kind: 'webhook', urlEnv: 'HOOK_URL' } },
        triggers: { 'deployment.rolled_back': ['audit'] },
        templates: { 'deployment.rolled_back': { title: '{{env}}: {{version}} backed out at {{weight}}%' } },
      },
      ['audit'],
    ),
    envName: 'staging',
    log: recordingLogger().log,
    env: { HOOK_URL: hook.url },
  });
  notifier.notify({ ...rolledBack, event: 'deployment.started' });
  notifier.notify(rolledBack);
  await notifier.flush();
  assert.equal(hook.received.length, 1, 'only the triggered event is sent');
  assert.equal(JSON.parse(hook.received[0].body).title, 'staging: v42 backed out at 25%');
});

test('a secret the command knows (an env value, a token in a failure reason) is masked in the message body', async (t) => {
  const hook = await startReceiver(t);
  const { log } = recordingLogger();
  log.redactor.add(['db-pa55-known-secret']);
  const notifier = createNotifier({
    config: configWith({ channels: { audit: { kind: 'webhook', urlEnv: 'HOOK_URL' } } }, ['audit']),
    envName: 'staging',
    log,
    env: { HOOK_URL: hook.url },
  });
  notifier.notify({ ...rolledBack, reason: 'migration failed: could not connect with password db-pa55-known-secret' });
  await notifier.flush();
  assert.ok(!hook.received[0].body.includes('db-pa55-known-secret'), hook.received[0].body);
  assert.match(JSON.parse(hook.received[0].body).reason, /password \[REDACTED\]/);
});
