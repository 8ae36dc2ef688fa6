import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RefusedError } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { CONFIG_FILE } from './load.ts';

const STARTER = `// Pilot configuration: one file, validated when any pnpm command loads it.
// Reference: README.md#configuration. Durations are "30s", "15m", "6h" or seconds.
import { defineConfig } from '@pilot/core';

export default defineConfig({
  service: {
    // Lower-case name, used in release names and git tags.
    name: 'my-service',
    // Where the service lives in this repository, and its workspace package (for \`pnpm deploy\`, which installs the
    // lockfile's versions: pnpm-workspace.yaml needs \`injectWorkspacePackages: true\`).
    dir: 'packages/my-service',
    package: 'my-service',
    // Build command run in \`dir\`; the start command runs inside the release folder with PORT set.
    build: ['pnpm', 'run', 'build'],
    start: ['node', 'dist/server.js'],
    health: { live: '/health/live', ready: '/health/ready' },
    metricsPath: '/metrics',
  },
  environments: {
    // port: where the service answers for this environment (the local router listens there).
    staging: { port: 8080, branch: 'main', rules: ['canary'] },
    production: {
      port: 9080,
      branch: 'main',
      upstream: 'staging', // production only takes releases that staging promoted
      rules: ['production'],
      approvals: { count: 1, roles: [] },
      windows: [{ days: ['mon', 'tue', 'wed', 'thu'], start: '09:00', end: '16:00' }],
      // The final promotion waits for the release's signed attestation and refuses an unverified one (needs attest.key).
      // requireAttestation: true,
      // This environment's database URL variable for the migrate step.
      // migrate: { databaseUrlEnv: 'PRODUCTION_DATABASE_URL' },
    },
  },
  // canary: weights held for an analysis window each; or { kind: 'blue-green' } / { kind: 'batch' }.
  strategy: { kind: 'canary', steps: [5, 25, 50, 100], analysisWindow: '30s', interval: '5s' },
  checks: {
    smoke: [{ name: 'hello', path: '/api/hello', expect: { status: 200 } }],
  },
  // PostgreSQL migrations applied by \`pilot\` before the candidate gets traffic (\`pnpm safe-migration\`), when you have a database.
  // migrations: { dir: 'migrations', databaseUrlEnv: 'DATABASE_URL', lockTimeout: '5s', statementTimeout: '60s', retries: 5 },
  // SBOM, signature and provenance, started in the background after the release build (\`pnpm attest\`).
  // key: a cosign-format key (\`pnpm attest keygen\`), its password in COSIGN_PASSWORD; or keyless: true in CI.
  // attest: { key: 'cosign.key' },
  // The migration log safe-migration appends to; pilot commits it and preflight refuses it uncommitted.
  // git: { migrationLog: '.async-migration-log' },
  // Environment variables whose values are secrets: masked in every log, journal and report.
  secrets: ['SLACK_WEBHOOK_URL', 'DATABASE_URL', 'PRODUCTION_DATABASE_URL', 'COSIGN_PASSWORD'],
});
`;

/** Writes a commented starter pilot.config.ts; refuses to overwrite an existing one unless forced. */
export async function writeStarterConfig(dir: string, force = false): Promise<string> {
  const file = join(dir, CONFIG_FILE);
  if (existsSync(file) && !force)
    throw new RefusedError(`${file} already exists — edit it, or pass --force to overwrite it`);
  await writeFileAtomic(file, STARTER);
  return file;
}
