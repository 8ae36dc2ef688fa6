import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideDeployWindow } from './windows.ts';

test('deploy windows: inside and outside a weekday window (UTC), a window across midnight, and no windows at all', () => {
  const weekdays = [
    {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[],
      start: '09:00',
      end: '16:00',
    },
  ];
  assert.equal(insideDeployWindow(weekdays, new Date('2026-11-23T10:00:00Z')), true); // Monday
  assert.equal(insideDeployWindow(weekdays, new Date('2026-11-23T16:00:00Z')), false);
  assert.equal(insideDeployWindow(weekdays, new Date('2026-11-22T10:00:00Z')), false); // Sunday
  const night = [{ days: ['sat'] as 'sat'[], start: '22:00', end: '02:00' }];
  assert.equal(insideDeployWindow(night, new Date('2026-11-21T23:30:00Z')), true);
  assert.equal(insideDeployWindow(night, new Date('2026-11-22T01:30:00Z')), true); // Sunday morning, Saturday's window
  assert.equal(insideDeployWindow(night, new Date('2026-11-22T03:00:00Z')), false);
  assert.equal(insideDeployWindow([], new Date()), true);
});
