import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, shell } from '@pilot/core';
import { type AdminStatus, routerClient, routerDirOf, stopRouter } from '@pilot/router';
import { REPO_ROOT, stopProcessesIn } from './repo.ts';

export { pidAlive } from './repo.ts';

// A release of the service: answers its health paths, and /api/hello with the status its behaviour.json commits;
// every answer names the release (X-Release, from the manifest beside its app folder).
const SERVER = `import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const { version } = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));
const behaviour = JSON.parse(readFileSync(new URL('./behaviour.json', import.meta.url), 'utf8'));
let served = 0;
createServer((req, res) => {
  res.setHeader('x-release', version);
  if (req.url.startsWith('/health/')) return res.end('{"status":"ok"}');
  if (req.url === '/api/hello') {
    served += 1;
    // failFrom: answers 200 until then (smoke tests pass), 500 after (the canary's analysis sees the errors).
    res.statusCode = behaviour.failFrom && served >= behaviour.failFrom ? 500 : behaviour.hello;
    return res.end(JSON.stringify({ version, message: behaviour.hello === 200 ? 'hello' : 'broken' }));
  }
  res.statusCode = 404;
  res.end();
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export interface LocalRepo {
  root: string;
  port: number;
  url: string;
  /** Commits a release whose /api/hello answers `hello` (200 healthy, 500 broken), or 500 from its `failFrom`-th request on. */
  commit(message: string, hello?: number, failFrom?: number): Promise<void>;
  /** The router's own view: routes and every release process it runs. */
  router(): Promise<AdminStatus>;
  /** The router's Prometheus text: requests it proxied, per release. */
  metrics(): Promise<string>;
  cleanup(): Promise<void>;
}

/** A throwaway repository deployed with the local target (the real router and release processes) on free loopback ports. */
export async function makeLocalRepo(
  o: {
    checks?: Record<string, unknown>;
    git?: Record<string, unknown>;
    environment?: Record<string, unknown>;
    config?: Record<string, unknown>;
  } = {},
): Promise<LocalRepo> {
  const base = await mkdtemp(join(tmpdir(), 'pilot-local-'));
  const root = join(base, 'repo');
  const [port, adminPort] = [await freePort(), await freePort()];
  await mkdir(join(root, 'svc'), { recursive: true });
  await mkdir(join(root, 'policies'), { recursive: true });
  await copyFile(join(REPO_ROOT, 'policies', 'rules.yaml'), join(root, 'policies', 'rules.yaml'));
  await writeFile(join(root, 'svc', 'server.mjs'), SERVER);
  await writeFile(join(root, '.gitignore'), '.pilot/\n');
  const config = {
    service: { name: 'svc', dir: 'svc', start: ['node', 'server.mjs'], metricsPath: false },
    environments: {
      staging: {
        port,
        branch: 'main',
        rules: ['canary'],
        watch: '0s',
        target: { kind: 'local', adminPort, readyProbes: 1, drainTimeout: '1s', stopGrace: '2s', readyTimeout: '20s' },
        ...o.environment,
      },
    },
    strategy: { kind: 'canary', steps: [50, 100], analysisWindow: '1s', interval: '500ms' },
    checks: {
      smoke: [{ name: 'hello', path: '/api/hello', expect: { status: 200 } }],
      timeout: '2s',
      deadline: '30s',
      ...o.checks,
    },
    attest: { onDeploy: false },
    ...(o.git ? { git: o.git } : {}),
    ...o.config,
  };
  await writeFile(join(root, 'pilot.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
  const git = (...args: string[]) =>
    shell({
      cwd: root,
    })`git -c user.email=t@example.com -c user.name=T -c commit.gpgsign=false -c tag.gpgsign=false ${args}`;
  await git('init', '-q', '-b', 'main');
  const routerDir = routerDirOf(root, 'staging');
  return {
    root,
    port,
    url: `http://127.0.0.1:${port}`,
    async commit(message, hello = 200, failFrom = 0) {
      await writeFile(join(root, 'svc', 'behaviour.json'), JSON.stringify({ hello, failFrom, message }));
      await git('add', '-A');
      await git('commit', '-q', '-m', message);
    },
    router: () => routerClient(routerDir, adminPort).get('/admin/status'),
    metrics: () => routerClient(routerDir, adminPort).getText('/admin/metrics'),
    async cleanup() {
      // The router (and its releases) first: it is found through its pid file, inside the folder removed after it.
      await stopRouter({ root, envName: 'staging' });
      await stopProcessesIn(base);
      await rm(base, { recursive: true, force: true });
    },
  };
}
