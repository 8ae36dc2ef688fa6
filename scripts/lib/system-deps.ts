// Debian packages the tests and benchmarks use, by the binary that shows they are there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_DEPS: { binary: string; paths?: string[]; apt: string; usedBy: string }[] = [
  { binary: 'git', apt: 'git', usedBy: 'orchestrator, e-tags' },
  { binary: 'pg_ctl', paths: ['/usr/lib/postgresql/15/bin/pg_ctl', '/usr/lib/postgresql/16/bin/pg_ctl', '/usr/lib/postgresql/17/bin/pg_ctl'], apt: 'postgresql', usedBy: 'migrations, smoke checks' },
  { binary: 'redis-server', apt: 'redis-server', usedBy: 'smoke checks' },
  { binary: 'prometheus', apt: 'prometheus', usedBy: 'analysis' },
  { binary: 'haproxy', apt: 'haproxy', usedBy: 'router benchmark' },
  { binary: 'pigz', apt: 'pigz', usedBy: 'backup benchmark' },
  { binary: 'runuser', apt: 'util-linux', usedBy: 'PostgreSQL as a non-root user' },
  { binary: 'ssh-keygen', apt: 'openssh-client', usedBy: 'signed approvals (ssh-keygen -Y sign/verify)' },
  { binary: 'chromium', apt: 'chromium', usedBy: 'the monitoring page and report (headless browser tests)' },
];

function present(dep: (typeof SYSTEM_DEPS)[number]): boolean {
  if (dep.paths?.some((path) => existsSync(path))) return true;
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', dep.binary], { stdio: 'ignore' }).status === 0;
}

/** Installs missing Debian packages when running as root with apt-get; otherwise lists them (their tests skip, saying why). */
export function ensureSystemDeps(log: (line: string) => void = console.log): string[] {
  const missing = SYSTEM_DEPS.filter((dep) => !present(dep));
  if (missing.length === 0) return [];
  const names = [...new Set(missing.map((dep) => dep.apt))];
  const root = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    log(`system packages missing (${names.join(', ')}); their tests will skip — install them with: sudo apt-get install -y ${names.join(' ')}`);
    return names;
  }
  log(`installing system packages: ${names.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { stdio: 'inherit', env });
  if (install.status !== 0) log(`apt-get install failed (exit ${install.status}); the tests that need ${names.join(', ')} will skip`);
  // Debian starts some services on install; tests start their own instances on free ports.
  for (const service of ['postgresql', 'redis-server', 'prometheus', 'haproxy']) {
    spawnSync('sh', ['-c', `command -v service >/dev/null && service ${service} stop`], { stdio: 'ignore' });
  }
  return SYSTEM_DEPS.filter((dep) => !present(dep)).map((dep) => dep.apt);
}
