import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routerFixture } from './testing/fixture.ts';

test('a release that dies with a coloured log: the failure names its last lines as plain text, without colour codes', async (t) => {
  const f = await routerFixture(t);
  const script =
    "console.error('\\x1b[31mError:\\x1b[0m \\x1b[1mboom\\x1b[22m: missing DATABASE_URL'); process.exit(3)";
  const broken = await f.release('coloured', {}, [process.execPath, '-e', script]);
  const error = await f.driver.prepare(broken).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(error, 'prepare must fail');
  assert.match(error.message, /last log lines .*\n {4}Error: boom: missing DATABASE_URL/);
  assert.doesNotMatch(error.message, /\x1b/);
});
