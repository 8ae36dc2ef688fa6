import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, installStampsOf } from './compiled.mjs';

// Pilot's own install holds the compiled copies (never the user's repository or its state dir: a dry run writes nothing there).
const INSTALL = fileURLToPath(new URL('../../../../', import.meta.url));

/** `<install>/node_modules/.cache/pilot/<name>`: where compiled copies of `name` live. */
export const compileCacheDir = (name: string) => join(INSTALL, 'node_modules', '.cache', 'pilot', name);

/** Pilot's own install's stamps (see installStampsOf). */
export const installStamps = () => installStampsOf(INSTALL);

/** The compiled JavaScript of one TypeScript entry point (a daemon's main), built now if a source changed. */
export async function compiledEntry(entry: string, cacheName: string): Promise<string> {
  const [output] = await compiled({ entries: [entry], cacheDir: compileCacheDir(cacheName), stamps: installStamps() });
  return output;
}

/** argv (after node) that runs a Pilot script as compiled JavaScript: `[…/scripts/cli.mjs, name]`. */
export const pilotScriptArgs = (name: string) => [join(INSTALL, 'scripts', 'cli.mjs'), name];
