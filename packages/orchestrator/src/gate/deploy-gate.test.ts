import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { onPath, readJournal, shell } from '@pilot/core';
import { startReceiver } from '@pilot/core/testing';
import { formatStatement } from '../approvals/statement.ts';
import { signText } from '../approvals/ssh-signature.ts';
import { recordApproval } from '../state/approvals.ts';
import { FIXTURES, PILOT as PILOT_SCRIPT, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const noSshKeygen = !onPath('ssh-keygen') && 'ssh-keygen is not installed (Debian openssh-client)';
const JUNIT_GREEN =
  '<?xml version="1.0"?>\n<testsuites><testsuite name="unit" tests="1"><testcase name="a"/></testsuite></testsuites>\n';
const AUDIT_CLEAN = JSON.stringify({
  advisories: {},
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 } },
});
const GATED = { gate: true, approvals: { count: 1, roles: ['tech'], signatures: true, expire: '24h' } };

test('pilot with gate: true decides on the release it built: an approval signed for another digest is refused (exit 3, nothing tagged, started or locked, approval.needed sent, release kept); one signed for this digest counts and pilot retry deploys it', {
  skip: noSshKeygen,
}, async (t) => {
  const repo = await makeRepo({ extraEnvs: { production: { backup: { enabled: false } } } });
  t.after(() => repo.cleanup());
  const files = join(repo.root, '..');
  const git = (...args: string[]) => shell({ cwd: repo.root })`git ${args}`;
  const evidence = { PILOT_CI_RESULT: join(files, 'green.xml'), PILOT_AUDIT_REPORT: join(files, 'audit.json') };
  await writeFile(evidence.PILOT_CI_RESULT, JUNIT_GREEN);
  await writeFile(evidence.PILOT_AUDIT_REPORT, AUDIT_CLEAN);
  // Production's evidence first, while it has no gate: two releases and a rollback drill.
  for (const name of ['v1', 'v2']) {
    if (name !== 'v1') await repo.commit(name);
    const r = await runScript(PILOT, ['--env', 'production', '--json'], repo.root);
    assert.equal(r.code, 0, r.all);
  }
  const drill = await runScript(PILOT, ['--env', 'production', '--drill', '--yes'], repo.root, {
    PILOT_SCRIPT: ROLLBACK,
  });
  assert.equal(drill.code, 0, drill.all);
  await shell()`ssh-keygen -q -t ed25519 -N ${''} -C alice -f ${join(files, 'alice')}`;
  const alicePub = (await readFile(join(files, 'alice.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
  await writeFile(
    join(repo.root, 'policies', 'allowed_signers'),
    `alice@example.com namespaces="pilot-approval" ${alicePub} roles=tech\n`,
  );
  const configFile = join(repo.root, 'pilot.config.ts');
  const config = JSON.parse((await readFile(configFile, 'utf8')).replace(/^export default /, '').replace(/;\s*$/, ''));
  // The team hears what the refusal needs: approval.needed on the environment's channel (a loopback receiver).
  const hook = await startReceiver(t);
  config.notify = { timeout: '2s', channels: { audit: { kind: 'webhook', urlEnv: 'HOOK_URL' } } };
  config.environments.production = { ...config.environments.production, ...GATED, notify: ['audit'] };
  await writeFile(configFile, `export default ${JSON.stringify(config, null, 2)};\n`);
  await git('add', '-A');
  await git('commit', '-qm', 'production: gate and signed approvals');

  const plan = await runScript(PILOT, ['--env', 'production', '--dry-run', '--json'], repo.root);
  assert.equal(plan.code, 0, plan.all);
  const planned = JSON.parse(plan.stdout);
  const version: string = planned.release.version;
  assert.deepEqual(
    planned.plan.map((s: { name: string }) => s.name).slice(0, 4),
    ['build', 'dry-run', 'gate', 'tag'],
    'the gate decides after the build, before the tag',
  );
  assert.match(JSON.stringify(planned.preflight), /checked by the Go\/No-Go gate after the build/);

  // Signed by a listed key holding the role, for this version — but over another digest than the one this run builds.
  const otherDigest = `sha256:${'0'.repeat(64)}`;
  const now = new Date();
  const statement = formatStatement({
    service: 'svc',
    env: 'production',
    version,
    digest: otherDigest,
    role: 'tech',
    approver: 'alice@example.com',
    time: now.toISOString(),
    expires: new Date(now.getTime() + 3600_000).toISOString(),
  });
  const signature = await signText(statement, { key: join(files, 'alice') });
  await recordApproval(join(repo.root, '.pilot'), {
    env: 'production',
    release: version,
    approver: 'alice@example.com',
    role: 'tech',
    statement,
    signature,
  });

  const refused = await runScript(PILOT, ['--env', 'production'], repo.root, {
    ...evidence,
    HOOK_URL: `${hook.url}/pilot`,
  });
  assert.equal(refused.code, 3, refused.all);
  const digest: string = JSON.parse(
    await readFile(join(repo.root, '.pilot', 'releases', version, 'manifest.json'), 'utf8'),
  ).digest;
  assert.match(
    refused.stderr,
    /Go\/No-Go gate: NO-GO for .* on production \(1 of 10 criteria failed\):\n {2}✗ approvals: needs /,
  );
  assert.ok(
    refused.stderr.includes(`it was signed for release digest ${otherDigest}, but ${version} has digest ${digest}`),
    refused.stderr,
  );
  assert.match(
    refused.stderr,
    new RegExp(
      `deployment \\S+ refused: nothing was tagged or started, lock released; release ${version} stays built — \`pnpm pilot retry --env production\``,
    ),
  );
  // Nothing half-done: no tag, the candidate never started, production still serves v2, the lock is free, the journal says why.
  assert.equal(String((await git('tag', '--list', `svc-production-${version}`)).stdout), '');
  const phases = (await readFile(`${repo.infraState}.log`, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.version === version)
    .map((l) => l.phase);
  assert.deepEqual([...new Set(phases)], ['dry-run'], 'the target only validated the plan');
  const lock = await runScript(PILOT, ['lock', 'status', '--env', 'production'], repo.root);
  assert.match(lock.stdout, /production is not locked/);
  const refusedId = /deployment (\S+) refused/.exec(refused.stderr)![1];
  const { entries } = await readJournal(join(repo.root, '.pilot', 'deployments', `${refusedId}.jsonl`));
  const events = entries.map((e) => `${e.event}${e.step ? ` ${e.step}` : ''}`);
  assert.ok(events.includes('step.started gate') && !events.includes('step.started tag'), events.join(', '));
  assert.deepEqual(
    entries.filter((e) => e.event === 'gate.decided').map((e) => [e.go, e.digest, e.failed]),
    [[false, digest, ['approvals']]],
  );
  const ended = entries.filter((e) => e.event.startsWith('deployment.') && e.event !== 'deployment.started');
  assert.deepEqual(
    ended.map((e) => [e.event, e.refused]),
    [['deployment.failed', true]],
  );
  assert.ok(existsSync(join(repo.root, '.pilot', 'signoff', `production-${version}.md`)));
  const told = hook.received.map((r) => JSON.parse(r.body) as { event: string; version: string; reason?: string });
  assert.deepEqual(
    told.map((m) => m.event),
    ['deployment.started', 'approval.needed', 'deployment.refused'],
  );
  assert.equal(told[1].version, version);
  assert.match(String(told[1].reason), /it was signed for release digest sha256:0{64}/);

  // The approver signs what this run built (pilot approve reads its digest); the retry reuses that release and goes live.
  const approved = await runScript(
    PILOT_SCRIPT,
    ['approve', '--env', 'production', '--release', version, '--role', 'tech', '--key', join(files, 'alice')],
    repo.root,
    { SSH_AUTH_SOCK: '' },
  );
  assert.equal(approved.code, 0, approved.all);
  const retried = await runScript(PILOT, ['retry', '--env', 'production', '--json'], repo.root, evidence);
  assert.equal(retried.code, 0, retried.all);
  const result = JSON.parse(retried.stdout);
  assert.equal(result.outcome, 'succeeded');
  assert.equal(result.release.digest, digest, 'the same release, rebuilt nowhere');
  assert.equal(JSON.parse(await readFile(repo.infraState, 'utf8')).stable, version);
  assert.notEqual(String((await git('tag', '--list', `svc-production-${version}`)).stdout).trim(), '');
  const sheet = await readFile(join(repo.root, '.pilot', 'signoff', `production-${version}.md`), 'utf8');
  assert.match(sheet, /\*\*Decision: GO\*\*/);
  assert.match(sheet, /\| alice@example\.com \| tech \| verified: alice@example\.com \| yes \|/);
  assert.match(sheet, /refused: it was signed for release digest sha256:0{64}/);
});
