// Debian packages the tests and benchmarks use, by the binary that shows they are there.
import { existsSync } from 'node:fs';
import { onPath, shell } from '@pilot/core';

export const SYSTEM_DEPS: { binary: string; paths?: string[]; apt: string; usedBy: string }[] = [
  { binary: 'git', apt: 'git', usedBy: 'orchestrator, e-tags' },
  {
    binary: 'pg_ctl',
    paths: [
      '/usr/lib/postgresql/15/bin/pg_ctl',
      '/usr/lib/postgresql/16/bin/pg_ctl',
      '/usr/lib/postgresql/17/bin/pg_ctl',
    ],
    apt: 'postgresql',
    usedBy: 'migrations, smoke checks',
  },
  { binary: 'redis-server', apt: 'redis-server', usedBy: 'smoke checks' },
  { binary: 'prometheus', apt: 'prometheus', usedBy: 'analysis' },
  { binary: 'haproxy', apt: 'haproxy', usedBy: 'router benchmark' },
  { binary: 'pigz', apt: 'pigz', usedBy: 'backup benchmark' },
  { binary: 'runuser', apt: 'util-linux', usedBy: 'PostgreSQL as a non-root user' },
  { binary: 'ssh-keygen', apt: 'openssh-client', usedBy: 'signed approvals (ssh-keygen -Y sign/verify)' },
  { binary: 'chromium', apt: 'chromium', usedBy: 'the monitoring page and report (headless browser tests)' },
  // Debian ships kubectl as kubernetes-client (bookworm: 1.20); a newer kubectl already on PATH is used as it is.
  {
    binary: 'kubectl',
    apt: 'kubernetes-client',
    usedBy: 'the kubernetes target: client-side checks (kubectl patch --local, apply --dry-run=client)',
  },
];

function present(dep: (typeof SYSTEM_DEPS)[number]): boolean {
  if (dep.paths?.some((path) => existsSync(path))) return true;
  return onPath(dep.binary) !== undefined;
}

/** Installs missing Debian packages when running as root with apt-get; otherwise lists them (their tests skip, saying why). */
export async function ensureSystemDeps(log: (line: string) => void = console.log): Promise<string[]> {
  const missing = SYSTEM_DEPS.filter((dep) => !present(dep));
  if (missing.length === 0) return [];
  const names = [...new Set(missing.map((dep) => dep.apt))];
  const root = process.getuid?.() === 0;
  if (!root || !onPath('apt-get')) {
    log(
      `system packages missing (${names.join(', ')}); their tests will skip — install them with: sudo apt-get install -y ${names.join(' ')}`,
    );
    return names;
  }
  log(`installing system packages: ${names.join(' ')}`);
  const $$ = shell({ env: { DEBIAN_FRONTEND: 'noninteractive' }, stdio: 'inherit', nothrow: true });
  await $$`apt-get update -qq`;
  const install = await $$`apt-get install -y -qq --no-install-recommends ${names}`;
  if (install.exitCode !== 0)
    log(`apt-get install failed (exit ${install.exitCode}); the tests that need ${names.join(', ')} will skip`);
  // Debian starts some services on install; tests start their own instances on free ports.
  if (onPath('service')) {
    for (const service of ['postgresql', 'redis-server', 'prometheus', 'haproxy'])
      await shell({ stdio: 'ignore', nothrow: true })`service ${service} stop`;
  }
  return SYSTEM_DEPS.filter((dep) => !present(dep)).map((dep) => dep.apt);
}
