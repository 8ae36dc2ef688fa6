// Compiles TypeScript entry points to JavaScript once, with esbuild, and reuses the output until one of the sources
// changes: Pilot's commands start in well under a second instead of transpiling ~200 files on every start.
// Plain JavaScript on purpose: the launcher (scripts/cli.mjs) imports this without a TypeScript loader.
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const KEEP_OLD_BUILDS_MS = 24 * 3600_000; // a long-running command may still load chunks of the build it started from

/** A reinstall (other dependency versions at other paths) means a rebuild: the lockfile and pnpm's bookkeeping. */
export const installStampsOf = (install) => [join(install, 'pnpm-lock.yaml'), join(install, 'node_modules', '.modules.yaml')];

/**
 * The built output for `entries` under `cacheDir`, rebuilt when a source, a stamp file (the lockfile, the install's
 * bookkeeping) or the entry list changed since the last build. Returns the output file of each entry (same order).
 * @param {{ entries: string[], cacheDir: string, stamps?: string[], sourcemap?: boolean }} options
 * @returns {Promise<string[]>}
 */
export async function compiled({ entries, cacheDir, stamps = [], sourcemap = false }) {
  const metaFile = join(cacheDir, 'build.json');
  const meta = await readJson(metaFile);
  if (meta && sameList(meta.entries, entries) && sameList(meta.stamps, await fingerprints(stamps)) && (await unchanged(meta.inputs))) return meta.outputs;
  return build(entries, cacheDir, metaFile, { stamps, sourcemap });
}

/** Imports a TypeScript module (pilot.config.ts) through a cached compiled copy; a changed file gives a fresh module. */
export async function importCompiled(file, { cacheDir, stamps = [], sourcemap = false }) {
  const [output] = await compiled({ entries: [resolve(file)], cacheDir, stamps, sourcemap });
  return import(pathToFileURL(output).href);
}

async function build(entries, cacheDir, metaFile, { stamps, sourcemap }) {
  const { build: esbuild } = await import('esbuild');
  const stampPrints = await fingerprints(stamps);
  const outdir = join(cacheDir, `build-${Date.now()}-${process.pid}`);
  const seen = new Map(); // each source's size and mtime as read: a change after that point means a rebuild next time
  const result = await esbuild({
    entryPoints: entries,
    outdir,
    outbase: commonDir(entries),
    bundle: true,
    splitting: true, // dynamic imports become chunks loaded only when a command needs them
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['node'],
    mainFields: ['main'],
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    sourcemap: sourcemap ? 'inline' : false,
    plugins: [sourceFaithful(seen)],
  });
  const outputs = entries.map((entry) => outputOf(result.metafile, entry));
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs).map((name) => resolve(name))) inputs[input] = seen.get(input) ?? (await fingerprint(input));
  // Written to a temp name then renamed: a concurrent start reads either the old build or the new one, never half.
  await writeFile(`${metaFile}.${process.pid}`, JSON.stringify({ entries, stamps: stampPrints, inputs, outputs }));
  await rename(`${metaFile}.${process.pid}`, metaFile);
  await removeOldBuilds(cacheDir, outdir);
  return outputs;
}

// Workspace sources are bundled; every package from node_modules stays a separate import, resolved now by esbuild
// exactly as Node would from the importing file (pnpm's strict layout) and written as an absolute path. Each source's
// import.meta.url keeps pointing at the source file, so paths next to it (a worker, package.json) still resolve.
const sourceFaithful = (seen) => ({
  name: 'pilot-source-faithful',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('node:') || args.path.startsWith('@pilot/')) return undefined;
      const found = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      if (found.errors.length > 0) return { errors: found.errors };
      // A workspace package (its real path is outside node_modules) is source: bundled like the rest.
      return found.path.includes('/node_modules/') ? { path: found.path, external: true } : undefined;
    });
    builder.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
      seen.set(args.path, await fingerprint(args.path));
      const source = await readFile(args.path, 'utf8');
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
});

// Size and modification time, compared for equality: an edit, a checkout of older files or a removal all count.
const fingerprint = (file) => stat(file).then((s) => `${s.size}:${s.mtimeMs}`, () => 'missing');
const fingerprints = (files) => Promise.all(files.map(fingerprint));

async function unchanged(inputs) {
  const files = Object.keys(inputs ?? {});
  const now = await fingerprints(files);
  return files.length > 0 && files.every((file, i) => now[i] === inputs[file]);
}

function outputOf(metafile, entry) {
  for (const [output, info] of Object.entries(metafile.outputs)) if (info.entryPoint && resolve(info.entryPoint) === entry) return resolve(output);
  throw new Error(`esbuild wrote no output for ${entry}`);
}

async function removeOldBuilds(cacheDir, current) {
  const cutoff = Date.now() - KEEP_OLD_BUILDS_MS;
  for (const name of await readdir(cacheDir)) {
    const builtAt = Number(/^build-(\d+)-/.exec(name)?.[1]);
    if (join(cacheDir, name) !== current && builtAt < cutoff) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
}

function commonDir(files) {
  let dir = dirname(files[0]);
  while (!files.every((file) => !relative(dir, file).startsWith('..'))) dir = dirname(dir);
  return dir;
}

const sameList = (a, b) => Array.isArray(a) && a.length === b.length && a.every((item, i) => item === b[i]);
const readJson = (file) => readFile(file, 'utf8').then(JSON.parse, () => undefined);
