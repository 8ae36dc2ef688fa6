// Runs a package's *.test.ts files with node's test runner (Node 20's --test takes no globs).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '@pilot/core';

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

// `--first=a.test.ts,b.test.ts`: the package's longest files start first, so none of them starts last and runs alone
// while the other slots sit idle (node's runner starts files in the order given).
const firstArg = process.argv.find((arg) => arg.startsWith('--first='));
const first = firstArg ? firstArg.slice('--first='.length).split(',') : [];
const passed = process.argv.slice(2).filter((arg) => arg !== firstArg);
const found = findTests('src').sort();
const unknown = first.filter((file) => !found.includes(file));
if (unknown.length > 0) throw new Error(`run-tests --first: no test file ${unknown.join(', ')} under src/`);
const files = [...first, ...found.filter((file) => !first.includes(file))];
if (files.length === 0) {
  console.log('# tests 0\n# pass 0\n# fail 0');
  process.exit(0);
}
const result = await shell({
  stdio: 'inherit',
  nothrow: true,
})`${process.execPath} --import tsx --test --test-reporter=spec ${passed} ${files}`;
process.exit(result.exitCode ?? 1);
