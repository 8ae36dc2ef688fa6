// The live row of the sequential bench: `pnpm pilot` deploys the demo service on the local target (the real router and
// release processes) under 50 req/s, then canaries the demo's faulty release (ERROR_RATE=0.5, as `pilot demo`'s v3)
// with a rule set that cannot act on errors: the rollback has to come from the sequential judge.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, shell } from '@pilot/core';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(REPO, 'scripts', 'cli.mjs');
const DEMO_SERVER = fileURLToPath(new URL('../../../demo-app/src/server.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface LiveRollback {
  outcome: string;
  reason: string;
  /** From the faulty release's first answer to a user to the journalled rollback (s). */
  seconds: number;
  /** Requests the faulty release answered, and how many of them failed. */
  served: number;
  failed: number;
}

/** Deploys v1, then the faulty v2 under load; how long v2 served before the judge rolled it back. */
export async function measureLiveRollback(rps = 50): Promise<LiveRollback> {
  const base = await mkdtemp(join(tmpdir(), 'pilot-bench-live-'));
  const root = join(base, 'repo');
  const [port, adminPort] = [await freePort(), await freePort()];
  const pilot = (...args: string[]) =>
    shell({ cwd: root, nothrow: true, env: { NO_COLOR: '1' } })`${process.execPath} ${CLI} pilot ${args}`;
  const git = (...args: string[]) =>
    shell({ cwd: root })`git -c user.email=bench@example.com -c user.name=bench -c commit.gpgsign=false ${args}`;
  const config = (env: Record<string, string>) => ({
    service: { name: 'demo', dir: 'svc', start: [process.execPath, '--import', TSX, DEMO_SERVER], env },
    environments: {
      staging: {
        port,
        branch: 'main',
        rules: ['judge-only'],
        watch: '0s',
        target: { kind: 'local', adminPort, readyProbes: 1, drainTimeout: '1s', stopGrace: '2s' },
      },
    },
    strategy: { kind: 'canary', steps: [5, 25, 50, 100], analysisWindow: '30s', interval: '1s' },
    checks: { smoke: [{ name: 'live', path: '/health/live' }] },
    attest: { onDeploy: false },
  });
  const commit = async (message: string, env: Record<string, string>) => {
    await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config(env), null, 2)};\n`);
    await git('commit', '-q', '-a', '-m', message);
  };
  const load = startLoad(`http://127.0.0.1:${port}/api/hello`, rps);
  try {
    await mkdir(join(root, 'svc'), { recursive: true });
    await mkdir(join(root, 'policies'));
    await writeFile(join(root, 'svc', 'README'), 'the demo service, started from packages/demo-app\n');
    await writeFile(join(root, '.gitignore'), '.pilot/\n');
    // Only a rule that cannot fire on errors: a rollback has to be the judge's.
    await writeFile(
      join(root, 'policies', 'rules.yaml'),
      'judge-only:\n  - { kind: failing_for, maxMs: 120000, severity: critical }\n',
    );
    await writeFile(join(root, 'pilot.config.ts'), '');
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await commit('v1', {});
    await pilot('--json', '--version', 'v1');
    await commit('v2: fails half of its requests', { ERROR_RATE: '0.5' });
    const { stdout } = await pilot('--json', '--version', 'v2');
    const { deploymentId, outcome } = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      deploymentId: string;
      outcome: string;
    };
    const journal = (await readFile(join(root, '.pilot', 'deployments', `${deploymentId}.jsonl`), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; ts: string; reason?: string });
    const rolledBack = journal.find((e) => e.event === 'deployment.rolled_back');
    const v2 = load.seen.v2;
    if (!rolledBack || !v2)
      throw new Error(`the faulty release was not rolled back under traffic: ${outcome}, ${JSON.stringify(load.seen)}`);
    return {
      outcome,
      reason: rolledBack.reason ?? '',
      seconds: Math.round((Date.parse(rolledBack.ts) - v2.first) / 100) / 10,
      served: v2.count,
      failed: v2.failed,
    };
  } finally {
    await load.stop();
    await pilot('router', 'stop', '--env', 'staging');
    await rm(base, { recursive: true, force: true });
  }
}

// Steady traffic like the demo's users; per release (X-Release), when it first answered and how often.
function startLoad(url: string, rps: number) {
  const seen: Record<string, { first: number; count: number; failed: number }> = {};
  let running = true;
  const worker = async () => {
    while (running) {
      const started = Date.now();
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      const release = res?.headers.get('x-release');
      if (release) {
        seen[release] ??= { first: started, count: 0, failed: 0 };
        seen[release].count++;
        if (res!.status >= 500) seen[release].failed++;
      }
      await delay(Math.max(0, 4000 / rps - (Date.now() - started)));
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    seen,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
