import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startReceiver } from '@pilot/notify/testing';
import { startLoad } from '../demo/load.ts';
import { type LocalRepo, makeLocalRepo } from '../testing/local-repo.ts';
import { PILOT, runScript } from '../testing/repo.ts';

// Issue 16 end to end on the local target: real receivers on loopback hear a deployment start, shift and roll back;
// with every receiver down the same deployment ends the same way, in about the same time; the team's hooks and gates.
describe('notifications and hooks of a deployment', () => {
  let repo: LocalRepo;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let gate: Awaited<ReturnType<typeof startReceiver>>;
  let gateAnswer = 200;
  let up: Record<string, string>;
  const SECRET = 'whsec-e2e-4f3a';
  const events = () =>
    hook.received.map(
      (r) => JSON.parse(r.body) as { event: string; weight?: number; reason?: string; version: string },
    );

  // Receivers close when the whole file is done (an after() inside before() would close them as the hook ends).
  const closers: (() => unknown)[] = [];
  const holder = { after: (fn: () => unknown) => void closers.push(fn) };
  after(async () => {
    for (const close of closers) await close();
  });

  before(async () => {
    slack = await startReceiver(holder);
    hook = await startReceiver(holder);
    gate = await startReceiver(holder, (_n, res) => {
      res.statusCode = gateAnswer;
      res.end(gateAnswer === 200 ? 'go' : 'change freeze until 14:00');
    });
    repo = await makeLocalRepo({
      environment: {
        notify: ['ops', 'audit'],
        hooks: {
          // Records what a hook sees; fails when the operator's environment says so.
          preDeploy: [
            {
              run: [
                'node',
                '-e',
                'const e=process.env; require("fs").appendFileSync("hooks.log", [e.PILOT_ENV, e.PILOT_VERSION, e.PILOT_PREVIOUS, e.PILOT_DEPLOYMENT_ID].join(" ")+"\\n"); process.exit(e.FAIL_PRE_DEPLOY ? 3 : 0)',
              ],
            },
          ],
          postDeploy: [
            {
              run: ['node', '-e', 'require("fs").appendFileSync("hooks.log", "post "+process.env.PILOT_VERSION+"\\n")'],
            },
          ],
          confirmPromotion: { urlEnv: 'GATE_URL' },
        },
      },
      config: {
        strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '2s', interval: '500ms' },
        notify: {
          timeout: '1s',
          channels: {
            ops: { kind: 'slack', urlEnv: 'SLACK_URL' },
            audit: { kind: 'webhook', urlEnv: 'HOOK_URL', secretEnv: 'HOOK_SECRET' },
          },
        },
      },
    });
    up = {
      SLACK_URL: `${slack.url}/services/T0K3N`,
      HOOK_URL: `${hook.url}/pilot`,
      HOOK_SECRET: SECRET,
      GATE_URL: `${gate.url}/confirm`,
    };
    await repo.commit('v1');
    const first = await runScript(PILOT, ['--json'], repo.root, up);
    assert.equal(first.code, 0, first.all);
  });
  after(() => repo?.cleanup());

  test('the first deployment: started and succeeded reach both channels; preDeploy and postDeploy hooks ran with the deployment facts', async () => {
    assert.deepEqual(
      events().map((e) => e.event),
      ['deployment.started', 'step.reached', 'deployment.succeeded'],
    );
    assert.equal(slack.received.length, 3);
    const log = await readFile(join(repo.root, 'hooks.log'), 'utf8');
    assert.match(log, /^staging v\S+ {2}staging-\S+\npost v\S+\n$/);
  });

  test('a canary rolled back at 50%: started → 50% → rolled back with the reason, signed; with every receiver down the same exit code in about the same time', async () => {
    hook.received.length = 0;
    await repo.commit('v2: fails under load', 200, 3);
    const load = startLoad(`${repo.url}/api/hello`, 40);
    let started = Date.now();
    const withReceivers = await runScript(PILOT, ['--json'], repo.root, up);
    const upMs = Date.now() - started;
    await load.stop();
    assert.equal(withReceivers.code, 1, withReceivers.all);
    const seen = events();
    assert.deepEqual(
      seen.map((e) => e.event),
      ['deployment.started', 'step.reached', 'deployment.rolled_back'],
      withReceivers.all,
    );
    assert.equal(seen[1].weight, 50);
    assert.match(seen[2].reason ?? '', /analysis at analyse-50 says roll back: .*error_rate/);
    const last = hook.received.at(-1)!;
    assert.equal(
      last.headers['x-pilot-signature-256'],
      `sha256=${createHmac('sha256', SECRET).update(last.body).digest('hex')}`,
    );
    assert.match(JSON.parse(slack.received.at(-1)!.body).text, /ROLLED BACK/);
    assert.ok(
      ![...slack.received, ...hook.received].some((r) => r.body.includes('T0K3N') || r.body.includes(SECRET)),
      'no secret in a message',
    );

    // The same deployment with Slack refusing connections and the webhook hanging: same outcome, bounded delay.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((resolve) => closed.close(resolve));
    const hanging = await startReceiver(holder, () => {});
    await repo.commit('v3: fails under load too', 200, 3);
    const load2 = startLoad(`${repo.url}/api/hello`, 40);
    started = Date.now();
    const down = await runScript(PILOT, ['--json'], repo.root, { ...up, SLACK_URL: refused, HOOK_URL: hanging.url });
    const downMs = Date.now() - started;
    await load2.stop();
    assert.equal(down.code, withReceivers.code, down.all);
    assert.equal(JSON.parse(down.stdout).outcome, 'rolled_back');
    assert.match(
      down.stderr,
      /notification channel ops \(slack\) failed: connection failed: ECONNREFUSED — the deployment goes on/,
    );
    assert.ok(downMs < upMs + 1000 + 4000, `with receivers down ${downMs} ms, up ${upMs} ms (channel timeout 1 s)`);
    // What was sent and what failed: in the --json result and in pilot status.
    const told = JSON.parse(down.stdout).notifications as {
      channel: string;
      event: string;
      ok: boolean;
      error?: string;
    }[];
    assert.deepEqual(
      [...new Set(told.map((n) => n.event))],
      ['deployment.started', 'step.reached', 'deployment.rolled_back'],
    );
    assert.ok(told.every((n) => !n.ok));
    assert.deepEqual(
      JSON.parse(withReceivers.stdout).notifications.map((n: { ok: boolean }) => n.ok),
      [true, true, true, true, true, true],
    );
    const status = await runScript(PILOT, ['status'], repo.root, up);
    assert.match(
      status.stdout,
      /notifications of staging-\S+: 0 sent, 6 failed \(ops: connection failed: ECONNREFUSED; audit: no answer within 1000 ms\)/,
    );
  });

  test('a confirmPromotion gate answering 503 pauses before 100% (exit 4, its answer shown); once it answers 200, pilot resume finishes', async (t) => {
    await repo.commit('v4');
    gateAnswer = 503;
    const load = startLoad(`${repo.url}/api/hello`, 40); // the canary's analysis needs requests
    t.after(() => load.stop());
    const held = await runScript(PILOT, [], repo.root, up);
    assert.equal(held.code, 4, held.all);
    assert.match(held.all, /confirmPromotion gate answered HTTP 503: change freeze until 14:00/);
    const asked = JSON.parse(gate.received.at(-1)!.body);
    assert.equal(asked.reason, 'confirmPromotion');
    gateAnswer = 200;
    const resumed = await runScript(PILOT, ['resume'], repo.root, up);
    assert.equal(resumed.code, 0, resumed.all);
    assert.equal((await repo.router()).stable?.version, asked.version);
  });

  test('a failing preDeploy hook stops the deployment before anything is built or started (exit 1, its output shown)', async () => {
    await repo.commit('v5');
    const stable = (await repo.router()).stable?.version;
    const stopped = await runScript(PILOT, [], repo.root, { ...up, FAIL_PRE_DEPLOY: '1' });
    assert.equal(stopped.code, 1, stopped.all);
    assert.match(stopped.all, /preDeploy hook `node -e .*` exited 3 — stopped before any traffic/);
    const router = await repo.router();
    assert.deepEqual(
      router.releases.map((r) => r.version),
      [stable],
    );
  });
});
