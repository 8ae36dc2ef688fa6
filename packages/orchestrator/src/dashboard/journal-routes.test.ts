import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvironmentView } from '@pilot/dashboard';
import { journalRoutes, recentVersions } from './journal-routes.ts';

test('a target without a router: the weights as the journal has them, and the releases that served in the last 15 minutes', () => {
  const now = Date.parse('2026-11-29T09:00:00Z');
  const base: EnvironmentView = {
    env: 'staging',
    live: 'v1',
    lock: { held: false },
    verdicts: [],
    recent: [],
    actions: [],
  };
  const open = {
    ...base,
    open: { id: 'd2', status: 'paused', release: 'v2', previous: 'v1', weight: 25, report: false },
  };
  const routes = journalRoutes(open, 'command');
  assert.deepEqual(
    [routes.stable, routes.candidate],
    [
      { version: 'v1', weight: 75 },
      { version: 'v2', weight: 25 },
    ],
  );
  assert.match(routes.source ?? '', /command target has no router/);
  assert.deepEqual(
    [journalRoutes(base, 'command').stable, journalRoutes(base, 'command').candidate],
    [{ version: 'v1', weight: 100 }, null],
  );
  const ended = (id: string, release: string, at: number) => ({
    id,
    status: 'rolled_back',
    release,
    previous: 'v1',
    updatedAt: new Date(at).toISOString(),
    report: true,
  });
  assert.deepEqual(
    recentVersions(
      { ...open, recent: [ended('d1', 'v0', now - 60_000), ended('d0', 'v-old', now - 20 * 60_000)] },
      now,
    ),
    ['v1', 'v2', 'v0'],
  );
});
