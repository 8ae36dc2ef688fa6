import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shell } from '@pilot/core';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { NotifyMessage } from './message.ts';
import { createNotifier } from './notifier.ts';
import { configWith, recordingLogger } from './testing/receivers.ts';

const PASSWORD = 'smtp-Pa55word-7c1e';
const openssl = existsSync('/usr/bin/openssl');

test(`e-mail over SMTP with STARTTLS and AUTH: plain-text and HTML parts, headers, rollback command, no secret${openssl ? '' : ' (SKIPPED: no /usr/bin/openssl to make a throwaway certificate)'}`, {
  skip: !openssl,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-smtp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A throwaway self-signed certificate for localhost; the channel trusts it through caFile.
  await shell()`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ${join(dir, 'key.pem')} -out ${join(dir, 'cert.pem')}`;
  const mails: { raw: Buffer; secure: boolean; user?: string }[] = [];
  const server = new SMTPServer({
    key: await readFile(join(dir, 'key.pem')),
    cert: await readFile(join(dir, 'cert.pem')),
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, done) {
      if (auth.username === 'pilot' && auth.password === PASSWORD) done(null, { user: auth.username });
      else done(new Error('bad credentials'));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ raw: Buffer.concat(chunks), secure: session.secure, user: session.user as string | undefined });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.server.address() as AddressInfo).port;

  const channel = {
    kind: 'email',
    host: '127.0.0.1',
    port,
    userEnv: 'SMTP_USER',
    passwordEnv: 'SMTP_PASSWORD',
    caFile: join(dir, 'cert.pem'),
    from: 'pilot@shop.test',
    to: ['oncall@shop.test'],
    cc: ['lead@shop.test'],
  };
  const { log, output } = recordingLogger();
  const notifier = createNotifier({
    config: configWith({ channels: { mail: channel } }, ['mail']),
    envName: 'staging',
    log,
    env: { SMTP_USER: 'pilot', SMTP_PASSWORD: PASSWORD },
  });
  const message: NotifyMessage = {
    event: 'deployment.rolled_back',
    env: 'staging',
    service: 'shop',
    version: 'v42',
    previous: 'v41',
    deploymentId: 'staging-1',
    step: 'canary 5%',
    weight: 5,
    reason: 'p95 latency above threshold',
    rollbackCommand: 'pnpm rollback --env staging',
    monitoringUrl: 'http://127.0.0.1:18081/ui/',
    at: new Date().toISOString(),
  };
  notifier.notify(message);
  const [record] = await notifier.flush();
  assert.equal(record.ok, true, record.error);
  assert.equal(mails.length, 1);
  assert.equal(mails[0].secure, true, 'the mail went over STARTTLS');
  assert.equal(mails[0].user, 'pilot', 'the client authenticated');
  const mail = await simpleParser(mails[0].raw);
  assert.equal(mail.subject, 'shop v42 on staging: ROLLED BACK');
  assert.equal(mail.from?.text, 'pilot@shop.test');
  assert.match(JSON.stringify(mail.to), /oncall@shop\.test/);
  assert.match(JSON.stringify(mail.cc), /lead@shop\.test/);
  assert.match(mail.text ?? '', /Roll back: pnpm rollback --env staging/);
  assert.match(mail.text ?? '', /Previous: v41/);
  assert.match(String(mail.html), /<code>pnpm rollback --env staging<\/code>/);
  assert.match(String(mail.html), /<a href="http:\/\/127\.0\.0\.1:18081\/ui\/">/);
  assert.ok(!mails[0].raw.toString('utf8').includes(PASSWORD));
  assert.ok(!output().includes(PASSWORD));

  // Wrong password: the channel fails with the server's answer, the deployment would go on.
  const wrong = createNotifier({
    config: configWith({ channels: { mail: channel } }, ['mail']),
    envName: 'staging',
    log,
    env: { SMTP_USER: 'pilot', SMTP_PASSWORD: 'nope' },
  });
  wrong.notify(message);
  const [failed] = await wrong.flush();
  assert.equal(failed.ok, false);
  assert.match(failed.error ?? '', /Invalid login|bad credentials/);
});
