import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { shell } from '../exec/shell.ts';
import { tempDir } from '../testing/temp-dir.ts';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

test('a command that awaits a promise that never settles ends with exit 1 and says so, naming the last event (not a silent exit 13)', async (t) => {
  const dir = await tempDir(t);
  const script = join(dir, 'stuck.mts');
  await writeFile(
    script,
    `import { defineCommand, runCli } from ${JSON.stringify(RUN)};
await runCli(defineCommand({ name: 'stuck', summary: 'waits forever', flags: {}, async run({ log }) {
  log.info('archive.writing', 'writing the release archive');
  await new Promise(() => {});
} }));
`,
  );
  const r = await shell({
    env: { NO_COLOR: '1' },
    nothrow: true,
  })`${process.execPath} --import ${import.meta.resolve('tsx')} ${script}`;
  assert.equal(r.exitCode, 1);
  assert.match(
    r.stderr,
    /pilot bug: the command ended while it still awaited a promise that can never settle \(last event: archive\.writing: writing the release archive\)/,
  );
});
