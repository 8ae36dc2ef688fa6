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

const files = findTests('src').sort();
if (files.length === 0) {
  console.log('# tests 0\n# pass 0\n# fail 0');
  process.exit(0);
}
const result = await shell({
  stdio: 'inherit',
  nothrow: true,
})`${process.execPath} --import tsx --test --test-reporter=spec ${process.argv.slice(2)} ${files}`;
process.exit(result.exitCode ?? 1);
