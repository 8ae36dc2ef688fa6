#!/usr/bin/env node
// Runs a Pilot script as compiled JavaScript: `node scripts/cli.mjs pilot status` is `scripts/pilot.ts status`.
// Every script is compiled together on first use and again whenever one of its sources (or the install) changed.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiled, installStampsOf } from '@pilot/core/compile';

const root = fileURLToPath(new URL('..', import.meta.url));
const scripts = readdirSync(`${root}scripts`).filter((name) => name.endsWith('.ts')).sort();
const [name] = process.argv.splice(2, 1);
const index = scripts.indexOf(`${name}.ts`);
if (index === -1) {
  process.stderr.write(`scripts/cli.mjs: no script ${JSON.stringify(name ?? '')} — one of: ${scripts.map((s) => s.slice(0, -3)).join(', ')}\n`);
  process.exit(2);
}
const outputs = await compiled({
  entries: scripts.map((script) => `${root}scripts/${script}`),
  cacheDir: `${root}node_modules/.cache/pilot/cli`,
  stamps: installStampsOf(root),
}).catch((error) => {
  // esbuild's errors name file, line and column: say those, not a stack trace of the compiler.
  const where = (error.errors ?? []).slice(0, 5).map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}`);
  process.stderr.write(`scripts/cli.mjs: Pilot's scripts do not compile — fix the source named below\n${where.join('\n') || `  ${error.message}`}\n`);
  process.exit(1);
});
await import(pathToFileURL(outputs[index]).href);
