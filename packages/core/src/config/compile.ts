import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compileCacheDir, installStamps } from '../compile/cache.ts';
import { importCompiled } from '../compile/compiled.mjs';

const CACHE = compileCacheDir('config');

/**
 * Imports pilot.config.ts as JavaScript compiled once by esbuild and reused until the file or one of its imports
 * changes: no TypeScript loader at start-up, and a changed file is a fresh module within one process.
 */
export async function importConfigModule(file: string): Promise<Record<string, unknown>> {
  const cacheDir = join(CACHE, createHash('sha256').update(file).digest('hex').slice(0, 16));
  const fresh = !existsSync(cacheDir);
  // Stack traces of a throw while the file runs name its own lines, not the compiled copy's.
  process.setSourceMapsEnabled(true);
  const module = await importCompiled(file, { cacheDir, stamps: installStamps(), sourcemap: true });
  if (fresh) await forgetRemovedConfigs();
  return module;
}

// Configs of temp repositories (tests, trials) come and go: drop the copies of files that no longer exist.
async function forgetRemovedConfigs(): Promise<void> {
  for (const key of await readdir(CACHE).catch(() => [])) {
    const meta = await readFile(join(CACHE, key, 'build.json'), 'utf8').then(
      (text) => JSON.parse(text) as { entries: string[] },
      () => undefined,
    );
    if (meta && !existsSync(meta.entries[0])) await rm(join(CACHE, key), { recursive: true, force: true });
  }
}
