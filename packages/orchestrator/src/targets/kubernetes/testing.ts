import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, shell } from '@pilot/core';
import { type TestRepo, makeRepo } from '../../testing/repo.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A test repository whose staging deploys to the stand-in cluster: the stand-in kubectl on PATH, its network on two ports. */
export interface ClusterRepo extends TestRepo {
  /** The environment runScript needs: PATH with the stand-in kubectl first, its store. */
  env: Record<string, string>;
  store: string;
  previewPort: number;
  /** kubectl argv recorded since the last call (each without the leading `--context X --namespace Y` checked by the caller). */
  takeCalls(): Promise<string[][]>;
  /** Makes calls taken by takeCalls() be returned by the next takeCalls() again. */
  putBack(calls: string[][]): Promise<void>;
  /** The stand-in store's objects (free-form JSON, as kubectl would return them). */
  // biome-ignore lint/suspicious/noExplicitAny: read field by field in assertions
  objects(): Promise<Record<string, Record<string, any>>>;
  /** Rewrites a manifest and commits it (a release that changes its Kubernetes settings). */
  commitManifest(edit: (text: string) => string, message: string): Promise<void>;
}

/** Makes the repository, copies the fixture manifests into deploy/k8s/ (with the route when `route`), starts the stand-in network. */
export async function makeClusterRepo(o: {
  strategy: Record<string, unknown>;
  target?: Record<string, unknown>;
  route?: boolean;
}): Promise<ClusterRepo> {
  const [port, previewPort] = [await freePort(), await freePort()];
  const target = {
    kind: 'kubernetes',
    context: 'kind-pilot',
    namespace: 'shop',
    manifests: 'deploy/k8s/*.yaml',
    image: 'registry.test/api:{version}',
    service: 'api',
    port: 80,
    previewUrl: `http://127.0.0.1:${previewPort}`,
    rolloutTimeout: '10s',
    ...o.target,
  };
  const repo = await makeRepo({ service: false, strategy: o.strategy, env: { port, target } });
  const manifests = join(repo.root, 'deploy', 'k8s');
  await mkdir(manifests, { recursive: true });
  await cp(join(FIXTURES, 'manifests', 'api.yaml'), join(manifests, 'api.yaml'));
  if (o.route) await cp(join(FIXTURES, 'manifests', 'route.yaml'), join(manifests, 'route.yaml'));
  const git = (...args: string[]) => shell({ cwd: repo.root })`git ${args}`;
  await git('add', '-A');
  await git('commit', '-q', '-m', 'kubernetes manifests');
  const store = join(dirname(repo.root), 'cluster.json');
  const network: ChildProcess = spawn(
    process.execPath,
    [join(FIXTURES, 'cluster.mjs'), store, 'api', String(port), String(previewPort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve, reject) => {
    network.stdout!.once('data', resolve);
    network.once('exit', (code) => reject(new Error(`stand-in cluster network exited ${code}`)));
  });
  let seen = 0;
  return {
    ...repo,
    port,
    previewPort,
    store,
    env: { PATH: `${join(FIXTURES, 'bin')}${delimiter}${process.env.PATH}`, KUBECTL_STAND_IN_STORE: store },
    async takeCalls() {
      const lines = (await readFile(`${store}.argv.jsonl`, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
      const fresh = lines.slice(seen).map((line) => JSON.parse(line) as string[]);
      seen = lines.length;
      return fresh;
    },
    async putBack(calls) {
      seen -= calls.length;
    },
    async objects() {
      return JSON.parse(await readFile(store, 'utf8'));
    },
    async commitManifest(edit, message) {
      const file = join(manifests, 'api.yaml');
      await writeFile(file, edit(await readFile(file, 'utf8')));
      await git('commit', '-q', '-am', message);
    },
    async cleanup() {
      network.kill('SIGTERM');
      await repo.cleanup();
    },
  };
}

/** Which release answers the environment's URL: the `x-release` header of `count` requests, counted. */
export async function answering(port: number, count = 20): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/api/hello`);
    await r.arrayBuffer();
    const key = `${r.status} ${r.headers.get('x-release') ?? '-'}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}
