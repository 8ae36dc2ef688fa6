import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, REPO_ROOT, ROLLBACK, makeRepo, runScript } from '../testing/repo.ts';

const PILOT = join(FIXTURES, 'pilot-stand-in.ts');
const BACKUP = join(REPO_ROOT, 'scripts', 'backup-dhash.ts');
const JUNIT_GREEN =
  '<?xml version="1.0"?>\n<testsuites><testsuite name="unit" tests="2"><testcase name="a"/><testcase name="b"/></testsuite></testsuites>\n';
const JUNIT_RED =
  '<?xml version="1.0"?>\n<testsuites><testsuite name="unit" tests="2"><testcase name="a"/><testcase name="b"><failure message="boom"/></testcase></testsuite></testsuites>\n';
// A recorded `pnpm audit --json` report (live advisories change daily): one moderate advisory, below the gate's "high".
const AUDIT = JSON.stringify({
  advisories: { 1: { module_name: 'left-pad', severity: 'moderate', title: 'slow padding' } },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 0, critical: 0 } },
});
const AUDIT_HIGH = JSON.stringify({
  advisories: { 2: { module_name: 'evil-dep', severity: 'critical', title: 'remote code execution' } },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 1 } },
});

test('pilot gate: NO-GO (exit 1) names each failing criterion with its evidence; GO (exit 0) once tests, health, policy, audit, drill, backup and window pass; sign-off report in Markdown and HTML', async (t) => {
  const repo = await makeRepo({ extraEnvs: { production: { gate: true } } });
  t.after(() => repo.cleanup());
  const files = join(repo.root, '..');
  await writeFile(join(files, 'green.xml'), JUNIT_GREEN);
  await writeFile(join(files, 'red.xml'), JUNIT_RED);
  await writeFile(join(files, 'audit.json'), AUDIT);
  await writeFile(join(files, 'audit-high.json'), AUDIT_HIGH);
  let version = '';
  for (const name of ['v1', 'v2']) {
    if (name !== 'v1') await repo.commit(name);
    const r = await runScript(PILOT, ['--json'], repo.root);
    assert.equal(r.code, 0, r.all);
    version = JSON.parse(r.stdout).release.version;
  }
  const gate = (...args: string[]) => runScript(PILOT, ['gate', '--env', 'staging', ...args], repo.root);

  const nogo = await gate('--ci-result', join(files, 'red.xml'), '--audit-report', join(files, 'audit-high.json'));
  assert.equal(nogo.code, 1, nogo.all);
  assert.match(nogo.stdout, new RegExp(`^NO-GO: ${version} → staging`));
  assert.match(nogo.stdout, /✗ tests: 1 of 2 failed\n {6}evidence: .*red\.xml: 2 test cases, 1 failed/);
  assert.match(
    nogo.stdout,
    /✗ dependency audit: 1 advisories at or above high: 1 critical\n {6}evidence: .*evil-dep: remote code execution \(critical\)/,
  );
  assert.match(
    nogo.stdout,
    /✗ rollback drill: no rollback drill recorded on staging — `pnpm rollback --env staging --drill`/,
  );
  assert.match(nogo.stdout, /✗ backup: no backup of staging/);
  assert.match(nogo.stdout, /✓ health: smoke tests pass/);
  assert.match(nogo.stdout, /– approvals: staging requires no approvals/);
  assert.match(nogo.stdout, /– SLO: no SLO targets in policies\/gate.json/);

  const drill = await runScript(PILOT, ['--drill', '--yes'], repo.root, { PILOT_SCRIPT: ROLLBACK });
  assert.equal(drill.code, 0, drill.all);
  const backup = await runScript(BACKUP, ['--env', 'staging', 'svc'], repo.root);
  assert.equal(backup.code, 0, backup.all);

  const go = await gate('--ci-result', join(files, 'green.xml'), '--audit-report', join(files, 'audit.json'));
  assert.equal(go.code, 0, go.all);
  assert.match(go.stdout, new RegExp(`^GO: ${version} → staging`));
  assert.match(go.stdout, /✓ rollback drill: drilled .* ago, MTTR /);
  assert.match(go.stdout, /✓ backup: 0\.0h old \(limit 24h\), verified/);
  assert.match(go.stdout, /✓ policy check: `pnpm policy-check` clean/);
  const report = join(repo.root, '.pilot', 'signoff', `staging-${version}.md`);
  assert.match(go.stdout, new RegExp(`sign-off report: ${report.replace(/[.]/g, '\\.')}`));
  const md = await readFile(report, 'utf8');
  assert.match(md, /\*\*Decision: GO\*\*/);
  assert.match(md, /\| tests \| ✓ pass \| 2 passed \|/);
  assert.match(md, /`pnpm rollback --env staging`/);
  const html = await readFile(report.replace(/\.md$/, '.html'), 'utf8');
  assert.match(html, /<strong>Decision: GO<\/strong>/);
  assert.doesNotMatch(html, /<script|<link|src=/, 'self-contained: no script, no external resource');
  // An environment with `gate: true`: pilot runs the gate on the release it built, before the tag, and refuses on NO-GO.
  const refused = await runScript(PILOT, ['--env', 'production'], repo.root, {
    PILOT_CI_RESULT: join(files, 'green.xml'),
    PILOT_AUDIT_REPORT: join(files, 'audit.json'),
  });
  assert.equal(refused.code, 3, refused.all);
  assert.match(
    refused.stderr,
    /Go\/No-Go gate: NO-GO for .* on production \(\d+ of 10 criteria failed\):\n(.*\n)*? {2}✗ rollback drill: no rollback drill recorded on production/,
  );
  assert.doesNotMatch(
    refused.stderr,
    /✗ tests|✗ dependency audit/,
    'CI evidence handed in through PILOT_CI_RESULT and PILOT_AUDIT_REPORT',
  );
  // The lifecycle export carries the sign-off sheets and the backup manifests, never the backup archives.
  const exported = await runScript(
    join(REPO_ROOT, 'scripts', 'lcm-export.ts'),
    ['--env', 'staging', '--json'],
    repo.root,
  );
  assert.equal(exported.code, 0, exported.all);
  const paths: string[] = JSON.parse(exported.stdout).files.map((f: { path: string }) => f.path);
  assert.ok(
    paths.includes(`signoff/staging-${version}.md`) && paths.includes(`signoff/staging-${version}.html`),
    paths.join(', '),
  );
  assert.ok(
    paths.some((p) => /^backups\/staging\/.+\.tar\.gz\.json$/.test(p)) &&
      paths.some((p) => /^backups\/staging\/.+\.tar\.gz\.sha256$/.test(p)),
    paths.join(', '),
  );
  assert.ok(!paths.some((p) => p.endsWith('.tar.gz')), 'no backup archive in the export');
  assert.ok(paths.some((p) => p.startsWith('deployments/')) && paths.includes('audit/audit.jsonl'));
  const audit = await readFile(join(repo.root, '.pilot', 'audit.jsonl'), 'utf8');
  assert.match(audit, /"event":"gate.decided".*"go":false/);
  assert.match(audit, /"event":"gate.decided".*"go":true/);
});
