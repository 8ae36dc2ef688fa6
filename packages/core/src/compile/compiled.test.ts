import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { repoRoot } from '../testing/run-script.ts';
import { shell } from '../exec/shell.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { compiled, importCompiled } from './compiled.mjs';

test('a compiled entry is reused until a source it imports changes, and keeps its own import.meta.url', async (t) => {
  const dir = await tempDir(t);
  const cacheDir = join(dir, 'cache');
  await writeFile(
    join(dir, 'main.ts'),
    "import { value } from './value.ts';\nexport const answer: number = value;\nexport const here = import.meta.url;\n",
  );
  await writeFile(join(dir, 'value.ts'), 'export const value = 1;\n');
  const [first] = await compiled({ entries: [join(dir, 'main.ts')], cacheDir });
  const module = await import(pathToFileURL(first).href);
  assert.equal(module.answer, 1);
  assert.equal(
    module.here,
    pathToFileURL(join(dir, 'main.ts')).href,
    'paths next to a source still resolve from the source',
  );
  assert.deepEqual(
    await compiled({ entries: [join(dir, 'main.ts')], cacheDir }),
    [first],
    'unchanged sources: no rebuild',
  );

  await writeFile(join(dir, 'value.ts'), 'export const value = 2;\n'); // same size: the modification time tells
  const second = await importCompiled(join(dir, 'main.ts'), { cacheDir });
  assert.equal(second.answer, 2, 'an edited import is a fresh module');
  await writeFile(join(dir, 'stamp'), 'x');
  const [beforeStamp] = await compiled({ entries: [join(dir, 'main.ts')], cacheDir, stamps: [join(dir, 'stamp')] });
  await writeFile(join(dir, 'stamp'), 'xy');
  const [afterStamp] = await compiled({ entries: [join(dir, 'main.ts')], cacheDir, stamps: [join(dir, 'stamp')] });
  assert.notEqual(afterStamp, beforeStamp, 'a reinstall (stamp file) means a rebuild');
});

test('the launcher runs a script compiled; an unknown script name is exit 2 listing the scripts', async () => {
  const launcher = join(repoRoot, 'scripts', 'cli.mjs');
  const help = await shell({ nothrow: true })`${process.execPath} ${launcher} pilot --help`;
  assert.equal(help.exitCode, 0, help.stderr);
  assert.match(help.stdout, /^pilot — /);
  const typo = await shell({ nothrow: true })`${process.execPath} ${launcher} pilto`;
  assert.equal(typo.exitCode, 2);
  assert.match(typo.stderr, /no script "pilto" — one of: .*pilot/);
});
