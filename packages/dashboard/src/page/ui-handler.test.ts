import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SeriesWindow } from '../series.ts';
import type { ActionName } from '../view.ts';
import { createUiHandler } from './ui-handler.ts';

// The handler over a stand-in environment (the real one needs a router and a journal: dashboard.test.ts in the
// orchestrator drives that in Chromium); what is checked here is who may act, through real HTTP requests.
test('page actions: refused without the same Origin, the CSRF token or a token; a one-time link works once; the page has no secret', async (t) => {
  const acted: { action: ActionName; actor: string }[] = [];
  const ui = createUiHandler({
    environment: async () => ({ env: 'staging', lock: { held: false }, verdicts: [], recent: [], actions: [] }),
    series: { snapshot: () => new SeriesWindow().snapshot(), tick: () => ({}) },
    isAdminToken: (presented) => presented === 'admin-secret-token',
    act: async (action, actor) => {
      acted.push({ action, actor });
      return { ok: true, message: 'done' };
    },
    reportFile: () => undefined,
  });
  const server = createServer(
    (req, res) => void ui.handle(req, res).then((handled) => handled || res.writeHead(401).end()),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    ui.close();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const html = await (await fetch(`${base}/ui/`)).text();
  const csrf = /name="pilot-csrf" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.ok(csrf.length > 20);
  assert.ok(!html.includes('admin-secret-token'));
  const act = (
    headers: Record<string, string>,
    body: unknown = { action: 'abort', actor: 'ann' },
    path = '/ui/api/action',
  ) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const good = { origin: base, 'x-pilot-csrf': csrf, authorization: 'Bearer admin-secret-token' };

  assert.equal((await act({ ...good, origin: 'http://evil.example' })).status, 403);
  assert.equal((await act({ ...good, origin: '' })).status, 403);
  assert.equal((await act({ ...good, 'x-pilot-csrf': 'stale' })).status, 403);
  assert.equal((await act({ ...good, authorization: '' })).status, 401);
  assert.equal((await act({ ...good, authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await act(good, { action: 'rm -rf' })).status, 422);
  assert.deepEqual(acted, []);
  const ok = await act(good);
  assert.equal(ok.status, 200);
  assert.deepEqual(acted, [{ action: 'abort', actor: 'ann (dashboard)' }]);

  // A one-time link: traded for a session once, refused the second time; the session then acts.
  const once = ui.mintLink();
  const redeem = () => act({ origin: base, 'x-pilot-csrf': csrf }, { once }, '/ui/api/session');
  const first = await redeem();
  assert.equal(first.status, 200);
  const { token } = (await first.json()) as { token: string };
  assert.equal((await redeem()).status, 401);
  assert.equal(
    (await act({ ...good, authorization: `Bearer ${token}` }, { action: 'promote', actor: '' })).status,
    200,
  );
  assert.deepEqual(acted.at(-1), { action: 'promote', actor: 'anonymous (dashboard)' });

  // Viewing needs nothing; paths outside /ui/ are not the page's.
  assert.equal((await fetch(`${base}/ui/api/state`)).status, 200);
  assert.equal((await fetch(`${base}/admin/status`)).status, 401);
});
