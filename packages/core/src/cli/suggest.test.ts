import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestWord, editDistance } from './suggest.ts';

test('edit distance counts a swap of neighbours as one edit (stauts → status)', () => {
  assert.equal(editDistance('stauts', 'status'), 1);
  assert.equal(editDistance('rolback', 'rollback'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('the closest command is suggested only for a plausible typo', () => {
  const commands = ['init', 'lock', 'deploy', 'status', 'logs', 'promote', 'resume', 'abort'];
  assert.equal(closestWord('stauts', commands), 'status');
  assert.equal(closestWord('deplyo', commands), 'deploy');
  assert.equal(closestWord('xyzzy', commands), undefined);
  assert.equal(closestWord('x', commands), undefined);
});
