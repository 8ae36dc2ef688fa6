import { resolve } from 'node:path';
import { ExitCode, UsageError, defineCommand, openEnv } from '@pilot/core';
import { runGate } from '@pilot/orchestrator';

export const gateCommand = defineCommand({
  name: 'pilot gate',
  summary:
    'the Go/No-Go decision for a release: each criterion with its evidence, GO (exit 0) or NO-GO (exit 1), and a sign-off report',
  usage: [
    'pilot gate [--env E] [--release V] [--ci-result JUNIT] [--audit-report FILE] [--force] [--out FILE] [--json]',
  ],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    release: { type: 'string', placeholder: 'V', description: 'release version (default: the live one)' },
    'ci-result': {
      type: 'string',
      placeholder: 'JUNIT',
      description:
        "CI's JUnit XML for the release's commit (default: turbo run test --summarize of that commit, in .turbo/runs)",
    },
    'audit-report': { type: 'string', placeholder: 'FILE', description: 'a recorded `pnpm audit --json` report' },
    force: {
      type: 'boolean',
      description: 'decide outside a deploy window (recorded in the report and the audit log)',
    },
    out: {
      type: 'string',
      placeholder: 'FILE',
      description: 'the Markdown report (default .pilot/signoff/<env>-<version>.md); HTML next to it',
    },
  },
  examples: ['pnpm pilot gate --env production --ci-result junit.xml --audit-report audit.json'],
  async run({ flags, cwd, log, signal, result }) {
    if (flags.out !== undefined && !flags.out.endsWith('.md'))
      throw new UsageError(`--out ${JSON.stringify(flags.out)} must end in .md (the HTML report goes next to it)`);
    const ctx = await openEnv(cwd, flags.env, log);
    const gate = await runGate({
      ctx,
      log,
      signal,
      version: flags.release,
      ciResult: flags['ci-result'] && resolve(cwd, flags['ci-result']),
      auditReport: flags['audit-report'] && resolve(cwd, flags['audit-report']),
      force: flags.force,
      out: flags.out && resolve(cwd, flags.out),
    });
    const mark = { pass: '✓', fail: '✗', 'n/a': '–' } as const;
    result(gate, () =>
      [
        `${gate.go ? 'GO' : 'NO-GO'}: ${gate.version} → ${gate.env}`,
        ...gate.criteria.map(
          (c) => `  ${mark[c.status]} ${c.name}: ${c.detail}${c.evidence ? `\n      evidence: ${c.evidence}` : ''}`,
        ),
        `sign-off report: ${gate.report}`,
        `                 ${gate.html}`,
      ].join('\n'),
    );
    return gate.go ? ExitCode.ok : ExitCode.failed;
  },
});
