// Issue 23, hostile or odd clients: one streaming an endless head, one that half-closes, and too many of them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import { test } from 'node:test';
import { createProxyServer } from './proxy.ts';
import { firstStatus, sendRaw, settle, startRecordingBackend, startRouterProxy } from '../testing/recording-backend.ts';

test('4: after a 431 the router stops reading and closes: an endless head cannot keep it busy', async (t) => {
  const backend = await startRecordingBackend();
  const router = await startRouterProxy(backend, { idleMs: 65_000, headersMs: 60_000, upstreamMs: 60_000 });
  t.after(async () => {
    await router.close();
    await backend.close();
  });
  // allowHalfOpen: the attacker ignores the router's FIN and goes on writing.
  const client = connect({ port: router.port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => {});
  let answer = '';
  client.on('data', (chunk) => (answer += chunk.toString('latin1')));
  let closed = false;
  client.on('close', () => (closed = true));
  client.on('end', () => (closed = true));
  await once(client, 'connect');
  client.write('GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ');
  const block = Buffer.alloc(256 * 1024, 'a');
  const started = Date.now();
  while (!closed && Date.now() - started < 4_000) {
    if (client.write(block)) continue;
    await Promise.race([once(client, 'drain').catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
  }
  assert.equal(firstStatus(answer), 431);
  assert.ok(closed, 'the router closed the connection within 4 s');
  // The kernel's socket buffers take a few MB; reading and discarding would take hundreds.
  assert.ok(
    client.bytesWritten < 64 * 2 ** 20,
    `the router took ${(client.bytesWritten / 2 ** 20).toFixed(0)} MiB after refusing`,
  );
  assert.equal(backend.connections.length, 0);
});

test('5: a client that half-closes after its requests still gets every answer', async (t) => {
  const backend = await startRecordingBackend();
  const router = await startRouterProxy(backend);
  t.after(async () => {
    await router.close();
    await backend.close();
  });
  const one = await sendRaw(router.port, 'GET /one HTTP/1.1\r\nHost: x\r\n\r\n', { halfClose: true, all: true });
  assert.match(one, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  const two = await sendRaw(router.port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n', {
    halfClose: true,
    all: true,
  });
  assert.equal(two.split('HTTP/1.1 200 OK').length - 1, 2, two);
  // Half-closed in the middle of a head: nothing to answer, the connection is closed.
  const started = Date.now();
  assert.equal(await sendRaw(router.port, 'GET /c HTTP/1.1\r\nHo', { halfClose: true, all: true }), '');
  assert.ok(Date.now() - started < 900, 'closed at once, not after a timeout');
});

test('9: maxConnections caps client connections, and reaching it is logged (once per burst)', async (t) => {
  const backend = await startRecordingBackend();
  const upstream = { port: backend.port, version: 'v1', inFlight: 0 };
  const logged: number[] = [];
  const proxy = createProxyServer({ route: () => ({ upstream }), onOutcome: () => {} }, undefined, {
    maxConnections: 2,
    onConnectionLimit: (max) => logged.push(max),
  });
  proxy.server.listen(0, '127.0.0.1');
  await once(proxy.server, 'listening');
  const port = (proxy.server.address() as AddressInfo).port;
  t.after(async () => {
    proxy.closeAllConnections();
    proxy.server.close();
    await backend.close();
  });
  const held = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  await Promise.all(held.map((s) => once(s, 'connect')));
  await settle(() => false, 100);
  const refused = await Promise.all([
    sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  ]);
  assert.deepEqual(refused, ['', ''], 'connections over the cap are closed unanswered');
  assert.deepEqual(logged, [2]);
  for (const s of held) s.destroy();
  await settle(() => false, 100);
  assert.equal(firstStatus(await sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 200, 'below the cap again');
});
