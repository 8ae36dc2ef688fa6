import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create } from 'tar';
import { pnpmCommand } from '../pnpm.ts';
import { tempDir } from './temp-dir.ts';

const execFileAsync = promisify(execFile);

/** A package registry on loopback that serves packuments and tarballs for the versions published to it so far. */
export interface TestRegistry {
  url: string;
  /** Publishes `name@version` whose index.js exports the version; later versions are seen by the next resolution. */
  publish(name: string, version: string): Promise<void>;
  /** How many times each tarball was downloaded (`name@version` → count). */
  downloads: Map<string, number>;
  close(): Promise<void>;
}

export async function startRegistry(): Promise<TestRegistry> {
  const work = await mkdtemp(join(tmpdir(), 'pilot-registry-'));
  const packages = new Map<string, Map<string, { tarball: Buffer; integrity: string; shasum: string }>>();
  const downloads = new Map<string, number>();
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    const tarballMatch = /^(.+)\/-\/[^/]+-(\d+\.\d+\.\d+)\.tgz$/.exec(path);
    if (tarballMatch) {
      const entry = packages.get(tarballMatch[1])?.get(tarballMatch[2]);
      if (!entry) return void res.writeHead(404).end();
      const key = `${tarballMatch[1]}@${tarballMatch[2]}`;
      downloads.set(key, (downloads.get(key) ?? 0) + 1);
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(entry.tarball);
    }
    const versions = packages.get(path);
    if (!versions) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const list = [...versions.keys()];
    const packument = {
      name: path,
      'dist-tags': { latest: list[list.length - 1] },
      versions: Object.fromEntries(
        [...versions].map(([version, e]) => [
          version,
          {
            name: path,
            version,
            main: 'index.js',
            dist: {
              tarball: `${url}${path}/-/${path.split('/').pop()}-${version}.tgz`,
              integrity: e.integrity,
              shasum: e.shasum,
            },
          },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return {
    url,
    downloads,
    async publish(name, version) {
      const dir = join(work, `${name.replace('/', '+')}-${version}`, 'package');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
      await writeFile(join(dir, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
      const file = `${dir}.tgz`;
      await create({ file, cwd: join(dir, '..'), gzip: true, portable: true, mtime: new Date(0) }, ['package']);
      const tarball = await readFile(file);
      const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      if (!packages.has(name)) packages.set(name, new Map());
      packages
        .get(name)!
        .set(version, { tarball, integrity, shasum: createHash('sha1').update(tarball).digest('hex') });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(work, { recursive: true, force: true });
    },
  };
}

export interface LockedWorkspace {
  /** The repository: a pnpm workspace whose package `svc` depends on `@shop/dep@^1.0.0` and on the workspace's `lib`. */
  root: string;
  /** The commit that holds the lockfile naming `@shop/dep@1.0.0`. */
  commit: string;
  registry: TestRegistry;
}

/**
 * A committed pnpm workspace whose lockfile pins `@shop/dep@1.0.0`, after which `@shop/dep@1.0.1` is published on its
 * registry and pnpm's metadata cache is dropped (as on a fresh machine): anything that resolves `^1.0.0` afresh
 * instead of reading the lockfile gets 1.0.1. Removed after the test.
 */
export async function makeLockedWorkspace(t: { after(fn: () => unknown): void }): Promise<LockedWorkspace> {
  const registry = await startRegistry();
  t.after(() => registry.close());
  const base = await tempDir(t, 'pilot-workspace-');
  const root = join(base, 'repo');
  const pnpmHome = join(base, 'pnpm');
  await registry.publish('@shop/dep', '1.0.0');
  await mkdir(join(root, 'svc'), { recursive: true });
  await mkdir(join(root, 'lib'), { recursive: true });
  // Only the @shop scope comes from the throwaway registry (pnpm itself still from the usual one); a store and cache of
  // its own, so the machine's pnpm store cannot answer for it.
  await writeFile(join(root, '.npmrc'), `@shop:registry=${registry.url}\n`);
  await writeFile(
    join(root, 'pnpm-workspace.yaml'),
    `packages: ["svc", "lib"]\ninjectWorkspacePackages: true\nstoreDir: ${pnpmHome}/store\ncacheDir: ${pnpmHome}/cache\n`,
  );
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
  // The service uses a workspace library, as real services do: it is copied into the release (injected).
  await writeFile(
    join(root, 'lib', 'package.json'),
    JSON.stringify({ name: 'lib', version: '1.0.0', main: 'index.js', dependencies: { '@shop/dep': '^1.0.0' } }),
  );
  await writeFile(join(root, 'lib', 'index.js'), "module.exports = require('@shop/dep');\n");
  await writeFile(
    join(root, 'svc', 'package.json'),
    JSON.stringify({
      name: 'svc',
      version: '1.0.0',
      private: true,
      dependencies: { '@shop/dep': '^1.0.0', lib: 'workspace:*' },
    }),
  );
  await writeFile(join(root, 'svc', 'server.js'), "console.log(require('@shop/dep'), require('lib'));\n");
  await writeFile(join(root, '.gitignore'), 'node_modules/\n.pilot/\n');
  const [pnpm, ...pnpmArgs] = pnpmCommand();
  await execFileAsync(pnpm, [...pnpmArgs, 'install'], { cwd: root, env: { ...process.env, CI: 'true' } });
  const git = (...args: string[]) =>
    execFileAsync(
      'git',
      ['-c', 'user.email=t@example.com', '-c', 'user.name=T', '-c', 'commit.gpgsign=false', ...args],
      { cwd: root },
    );
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'shop service');
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
  await registry.publish('@shop/dep', '1.0.1');
  await rm(join(pnpmHome, 'cache'), { recursive: true, force: true });
  return { root, commit, registry };
}
