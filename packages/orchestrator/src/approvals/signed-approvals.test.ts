import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { onPath, readJournal, shell } from '@pilot/core';
import { type Approval, approvalsPath, checkApprovals, recordApproval } from '../state/approvals.ts';
import { FIXTURES, PILOT as PILOT_SCRIPT, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const noSshKeygen = !onPath('ssh-keygen') && 'ssh-keygen is not installed (Debian openssh-client)';
const PRODUCTION = { approvals: { count: 1, roles: ['tech'], signatures: true, expire: '24h' } };

test('signed approvals: a valid one counts; an unlisted key, a wrong role, no key, another release, an expired and a tampered one do not — each says why', {
  skip: noSshKeygen,
}, async (t) => {
  const repo = await makeRepo({ extraEnvs: { production: PRODUCTION } });
  t.after(() => repo.cleanup());
  const key = async (name: string) => {
    const file = join(repo.root, '..', name);
    await shell()`ssh-keygen -q -t ed25519 -N ${''} -C ${name} -f ${file}`;
    return { file, pub: (await readFile(`${file}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ') };
  };
  const [alice, bob, carol] = [await key('alice'), await key('bob'), await key('carol')];
  const signers = [
    `alice@example.com namespaces="pilot-approval" ${alice.pub} roles=tech,business`,
    `carol@example.com namespaces="pilot-approval" ${carol.pub} roles=business`,
  ];
  await writeFile(join(repo.root, 'policies', 'allowed_signers'), `# approvers\n${signers.join('\n')}\n`);
  await shell({ cwd: repo.root })`git add policies/allowed_signers`;
  await shell({ cwd: repo.root })`git commit -qm approvers`;
  const staged = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(staged.code, 0, staged.all);
  const version: string = JSON.parse(staged.stdout).release.version;
  const approve = (...args: string[]) =>
    runScript(
      PILOT_SCRIPT,
      ['approve', '--env', 'production', '--release', version, '--role', 'tech', ...args],
      repo.root,
      { SSH_AUTH_SOCK: '' },
    );

  const unlisted = await approve('--key', bob.file);
  assert.equal(unlisted.code, 3, unlisted.all);
  assert.match(unlisted.stderr, /your key is not in policies\/allowed_signers, so its approval would not count/);
  const wrongRole = await approve('--key', carol.file);
  assert.equal(wrongRole.code, 3, wrongRole.all);
  assert.match(
    wrongRole.stderr,
    /carol@example\.com does not hold role tech in policies\/allowed_signers \(holds: business\)/,
  );
  const unsigned = await approve('--as', 'someone');
  assert.equal(unsigned.code, 2, unsigned.all);
  assert.match(unsigned.stderr, /no signing key — pass --key/);
  assert.equal(
    (await readJournal(approvalsPath(join(repo.root, '.pilot'), 'production'))).entries.length,
    0,
    'nothing recorded for a refused approval',
  );

  const valid = await approve('--key', alice.file);
  assert.equal(valid.code, 0, valid.all);
  assert.match(
    valid.stdout,
    new RegExp(
      `approved ${version} for production as alice@example.com \\(tech\\), signed, verified against policies/allowed_signers — approvals complete`,
    ),
  );
  assert.doesNotMatch(valid.all, /BEGIN SSH SIGNATURE/);

  // The gate and its sign-off sheet name the verified signer.
  const gate = await runScript(PILOT, ['gate', '--env', 'production', '--release', version], repo.root);
  assert.equal(gate.code, 1, gate.all);
  assert.match(gate.stdout, /✓ approvals: approved by alice@example\.com\n/);
  const sheet = await readFile(join(repo.root, '.pilot', 'signoff', `production-${version}.md`), 'utf8');
  assert.match(sheet, /\| alice@example\.com \| tech \| verified: alice@example\.com \| yes \|/);

  const state = join(repo.root, '.pilot');
  const required = PRODUCTION.approvals;
  const digest = JSON.parse(await readFile(join(state, 'releases', version, 'manifest.json'), 'utf8')).digest as string;
  const sig = { service: 'svc', digest, allowedSigners: join(repo.root, 'policies', 'allowed_signers') };
  const ok = await checkApprovals(state, 'production', version, required, Date.now(), sig);
  assert.equal(ok.ok, true, ok.missing.join('; '));
  assert.equal(ok.verdicts[0].signer, 'alice@example.com');

  const [signed] = (await readJournal(approvalsPath(state, 'production'))).entries as unknown as Approval[];
  const reasonFor = async (release: string, approval: Omit<Approval, 'ts'>, now = Date.now()) => {
    await writeFile(approvalsPath(state, 'production'), '');
    await recordApproval(state, approval);
    const check = await checkApprovals(state, 'production', release, required, now, {
      ...sig,
      digest: release === version ? digest : `sha256:${'0'.repeat(64)}`,
    });
    assert.equal(check.ok, false);
    return check.verdicts[0].reason;
  };
  const { ts: _ts, ...record } = signed;
  const other = 'v2-0123456789ab';
  assert.match(
    String(await reasonFor(other, { ...record, release: other })),
    new RegExp(`signed for svc ${version} on production, not svc ${other} on production`),
  );
  assert.match(String(await reasonFor(version, record, Date.now() + 25 * 3600_000)), /it expired at /);
  const later = record.statement!.replace(/^expires: .*$/m, 'expires: 2099-01-01T00:00:00.000Z');
  assert.match(
    String(await reasonFor(version, { ...record, statement: later })),
    /the signature of alice@example\.com does not match the statement \(altered after signing\)/,
  );
  assert.match(
    String(await reasonFor(version, { ...record, role: 'business' })),
    /its record does not match its signed statement/,
  );
});

const noSshAgent =
  !(onPath('ssh-agent') && onPath('ssh-add')) && 'ssh-agent/ssh-add are not installed (Debian openssh-client)';

test('signed approvals through the ssh-agent: no --key (or --key with the public key) signs with the key the agent holds, its file gone; an empty agent is refused, saying how to load one', {
  skip: noSshKeygen || noSshAgent,
}, async (t) => {
  const repo = await makeRepo({ extraEnvs: { production: PRODUCTION } });
  const closers: (() => Promise<unknown>)[] = [() => repo.cleanup()];
  t.after(async () => {
    for (const close of closers.reverse()) await close();
  });
  const files = join(repo.root, '..');
  await shell()`ssh-keygen -q -t ed25519 -N ${''} -C alice -f ${join(files, 'alice')}`;
  const pub = (await readFile(join(files, 'alice.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
  await writeFile(
    join(repo.root, 'policies', 'allowed_signers'),
    `alice@example.com namespaces="pilot-approval" ${pub} roles=tech\n`,
  );
  await shell({ cwd: repo.root })`git add policies/allowed_signers`;
  await shell({ cwd: repo.root })`git commit -qm approvers`;
  const staged = await runScript(PILOT, ['--json'], repo.root);
  assert.equal(staged.code, 0, staged.all);
  const version: string = JSON.parse(staged.stdout).release.version;

  // A real agent on its own socket, in the foreground so the test owns (and ends) its process.
  const socket = join(files, 'agent.sock');
  const agent = shell({ nothrow: true, stdio: 'ignore' })`ssh-agent -D -a ${socket}`;
  closers.push(async () => {
    await agent.kill('SIGTERM');
    await agent;
  });
  for (const until = Date.now() + 5000; !existsSync(socket) && Date.now() < until; )
    await new Promise((resolve) => setTimeout(resolve, 20));
  const agentEnv = { SSH_AUTH_SOCK: socket };
  const approve = (...args: string[]) =>
    runScript(
      PILOT_SCRIPT,
      ['approve', '--env', 'production', '--release', version, '--role', 'tech', ...args],
      repo.root,
      agentEnv,
    );

  const empty = await approve();
  assert.equal(empty.code, 2, empty.all);
  assert.match(empty.stderr, /the ssh-agent holds no key — `ssh-add ~\/\.ssh\/id_ed25519`, or pass --key/);

  await shell({ env: agentEnv })`ssh-add -q ${join(files, 'alice')}`;
  // Only the agent can sign now.
  await rm(join(files, 'alice'));
  const viaAgent = await approve();
  assert.equal(viaAgent.code, 0, viaAgent.all);
  assert.match(
    viaAgent.stdout,
    new RegExp(
      `approved ${version} for production as alice@example\\.com \\(tech\\), signed, verified against policies/allowed_signers — approvals complete`,
    ),
  );
  const viaPublicKey = await approve('--key', join(files, 'alice.pub'));
  assert.equal(viaPublicKey.code, 0, viaPublicKey.all);

  const gate = await runScript(PILOT, ['gate', '--env', 'production', '--release', version], repo.root);
  assert.match(gate.stdout, /✓ approvals: approved by alice@example\.com\n/);
  const signed = (await readJournal(approvalsPath(join(repo.root, '.pilot'), 'production')))
    .entries as unknown as Approval[];
  assert.equal(signed.length, 2);
  for (const approval of signed) assert.match(String(approval.signature), /^-----BEGIN SSH SIGNATURE-----\n/);
});
