#!/usr/bin/env tsx
// `pnpm smoke-tests` — health, metrics, configured and dependency checks against an environment or a URL.
import { writeFile } from 'node:fs/promises';
import { ExitCode, UsageError, defineCommand, formatDuration, openEnv, parseDuration, runCli } from '@pilot/core';
import { type SmokeResult, runSmokeTests } from '@pilot/analysis';
import { junitXml } from './smoke-tests/junit.ts';

await runCli(
  defineCommand({
    name: 'smoke-tests',
    summary: 'health, metrics, configured and dependency checks; exit 1 if any fails',
    usage: ['smoke-tests [--env E | --url URL] [--json] [--junit FILE]'],
    flags: {
      env: {
        type: 'string',
        placeholder: 'E',
        description: 'environment: checks http://127.0.0.1:<its port> (default: staging)',
      },
      url: { type: 'string', placeholder: 'URL', description: 'check this base URL instead' },
      junit: { type: 'string', placeholder: 'FILE', description: 'also write JUnit XML for CI' },
      deadline: {
        type: 'string',
        placeholder: 'DURATION',
        description: 'overall deadline, warm-up retries included (default: config, 60s)',
      },
    },
    examples: ['pnpm smoke-tests --env staging', 'pnpm smoke-tests --url http://127.0.0.1:8080 --junit smoke.xml'],
    async run({ flags, cwd, log, signal, result }) {
      if (flags.url && !/^https?:\/\/[^/]+/.test(flags.url))
        throw new UsageError(`--url ${JSON.stringify(flags.url)} is not an http(s) URL — e.g. http://127.0.0.1:8080`);
      const ctx = await openEnv(cwd, flags.env, log);
      const { checks, service } = ctx.config;
      const outcome = await runSmokeTests({
        baseUrl: flags.url ?? `http://127.0.0.1:${ctx.env.port}`,
        checks: checks.smoke,
        dependencies: checks.dependencies,
        builtIns: { live: service.health.live, ready: service.health.ready, metrics: service.metricsPath },
        timeoutMs: parseDuration(checks.timeout),
        deadlineMs: parseDuration(flags.deadline ?? checks.deadline, '--deadline'),
        signal,
      });
      if (flags.junit) await writeFile(flags.junit, junitXml('smoke-tests', outcome.results));
      result(outcome, () =>
        [...outcome.results.map(line), outcome.passed ? '✓ all smoke tests passed' : '✗ smoke tests failed'].join('\n'),
      );
      return outcome.passed ? ExitCode.ok : ExitCode.failed;
    },
  }),
);

function line(r: SmokeResult): string {
  const tries = r.attempts > 1 ? `, ${r.attempts} attempts` : '';
  return `${r.passed ? '✓' : '✗'} ${r.name.padEnd(16)} ${formatDuration(r.ms).padStart(7)}${tries}${r.error ? ` — ${r.error}` : ''}`;
}
