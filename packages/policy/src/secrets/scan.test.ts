import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { runPolicyCheck } from '../run-policy-check.ts';
import { cleanWorkspace, fixtureRepo } from '../testing/fixture-repo.ts';
import { fingerprint, scanText } from './scan.ts';

// Built at run time so this file itself holds no token the scan would find.
const fake = {
  aws: ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
  github: ['ghp', '_', 'A1'.repeat(18)].join(''),
  slack: ['https://hooks.slack.com/services/', 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'].join(''),
  key: ['-----BEGIN ', 'RSA PRIVATE KEY-----'].join(''),
  password: ['postgres://app:', 'hunter2hunter2', '@db.internal:5432/app'].join(''),
  // A fixed key-like string (base64url of a digest): 43 mixed-case characters with digits.
  random: createHash('sha256').update('pilot policy test key').digest('base64url'),
};

test('secret scan: each known format and a random key are found at file:line; the finding never holds the secret', () => {
  const text = [
    'const ok = 1;',
    `aws_key = "${fake.aws}"`,
    `token: ${fake.github}`,
    `SLACK_WEBHOOK_URL=${fake.slack}`,
    fake.key,
    `DATABASE_URL=${fake.password}`,
    `apiKey: '${fake.random}'`,
  ].join('\n');
  const findings = scanText('config/app.env', text);
  assert.deepEqual(
    findings.map((f) => `${f.line} ${f.rule} ${f.message}`),
    [
      '2 secrets/token AWS access key id (aws-access-key-id)',
      '3 secrets/token GitHub token (github-token)',
      '4 secrets/token Slack incoming webhook URL (slack-webhook)',
      '5 secrets/token private key block (private-key)',
      '6 secrets/token password in a URL (url-credentials)',
      '7 secrets/entropy high-entropy string (43 chars)',
    ],
  );
  const serialised = JSON.stringify(findings);
  for (const secret of [fake.aws, fake.github, fake.slack, 'hunter2hunter2', fake.random])
    assert.ok(!serialised.includes(secret), 'a finding must not contain the secret');
  assert.equal(findings[0].fingerprint, fingerprint(fake.aws));
});

test('secret scan: digests, commit SHAs, identifiers, paths and placeholders are not findings', () => {
  const text = [
    'resolution: {integrity: sha512-3Xa9bZ2mK8qL1pR7sT4uV6wY0cE5fG2hJ9kM3nP6qS8tU1vW4xZ7aB0cD3eF6gH9iJ2kL5mN8oP1qR4sT7uV0w==}',
    'uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
    '"etag": "\\"sha256-f8bb91ddaea44cda76fcdc91203df516055f3f114980be4e540e98ac67e71aea\\""',
    'export function createRedactorFromEnvSecrets2(config: PilotConfig) {}',
    'import { x } from "packages/orchestrator/src/engine/deploy-step-runner.ts";',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub/shell expression, not a JS template
    'DATABASE_URL=postgres://app:${PGPASSWORD}@localhost/app',
    'url: https://user:<password>@example.com',
    // The shape of a URL in a help message, and character-set literals (RFC 9110 tchar): not secrets.
    'throw new Error(`export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB`)',
    'for (const c of "!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c] = 1;',
  ].join('\n');
  assert.deepEqual(scanText('x.ts', text), []);
});

test('secret scan: an OpenSSH public key (allowed_signers, authorized_keys) is public, not a finding; the same characters elsewhere are', () => {
  // ed25519 public keys' base64 (the fixed header, then 32 key bytes), built at run time like the fakes above: one with
  // '+', and one with '/' and no '+', which the scan once split as a path and flagged (about one real key in 20).
  const keyBytes = (seed: string) => createHash('sha256').update(seed).digest('base64').replace(/=+$/, '');
  const keys = [keyBytes('pilot ssh key').replaceAll('/', '+'), keyBytes('pilot ssh key 21')];
  assert.match(keys[1], /^[^+]*\/[^+]*$/);
  for (const key of keys.map((bytes) => `AAAAC3NzaC1lZDI1NTE5AAAAI${bytes}`)) {
    const text = [
      `alice@example.com namespaces="pilot-approval" ssh-ed25519 ${key} roles=tech`,
      `ssh-ed25519 ${key} alice@laptop`,
      `apiKey: '${key}'`,
    ].join('\n');
    const lines = new Set(scanText('policies/allowed_signers', text).map((f) => `${f.line} ${f.rule}`));
    assert.deepEqual([...lines], ['3 secrets/entropy'], key);
  }
});

test('secret scan over git-tracked files with the allow-list; the CLI output never prints the secret', async (t) => {
  const dir = await fixtureRepo(t, {
    ...cleanWorkspace,
    'src/config.ts': `export const key = '${fake.aws}';\n`,
    'docs/example.md': `Example: ${fake.github}\n`,
    'test/data.txt': `x = ${fake.random}\n`,
    'policies/secret-allowlist.yaml': `allow:\n  - { path: "docs/**", reason: documented example }\n  - { fingerprint: "${fingerprint(fake.random)}", reason: test data }\n`,
  });
  const report = await runPolicyCheck(dir, { only: ['secrets'] });
  assert.deepEqual(
    report.findings.map((f) => `${f.file}:${f.line} ${f.rule}`),
    ['src/config.ts:1 secrets/token'],
  );
  assert.match(report.checks[0].note ?? '', /2 allow-listed/);
  assert.ok(!JSON.stringify(report).includes(fake.aws));
});
