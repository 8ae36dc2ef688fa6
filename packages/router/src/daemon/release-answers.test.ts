// Issue 23, response side: what a misbehaving (or merely old) release answers, and what the client then gets.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { test } from 'node:test';
import { type ProxyOutcome, type Upstream, createProxyServer } from './proxy.ts';
import { firstStatus, sendRaw } from '../testing/recording-backend.ts';

/** The proxy in front of a raw release whose `onConnection` decides what each connection answers. */
async function proxyToRaw(t: { after(fn: () => unknown): void }, onConnection: Parameters<typeof createServer>[1]) {
  const release = createServer({ allowHalfOpen: true }, onConnection);
  release.listen(0, '127.0.0.1');
  await once(release, 'listening');
  const upstream: Upstream = { port: (release.address() as AddressInfo).port, version: 'v1', inFlight: 0 };
  const outcomes: ProxyOutcome[] = [];
  const proxy = createProxyServer(
    { route: () => ({ upstream }), onOutcome: (_u, o) => outcomes.push(o) },
    { idleMs: 30_000, headersMs: 30_000, upstreamMs: 30_000 },
  );
  proxy.server.listen(0, '127.0.0.1');
  await once(proxy.server, 'listening');
  t.after(() => {
    proxy.closeAllConnections();
    proxy.server.close();
    release.close();
  });
  return { port: (proxy.server.address() as AddressInfo).port, outcomes, release };
}

test('3: a connection is not reused after an HTTP/1.0 answer without keep-alive (a second POST is not a 502)', async (t) => {
  let connections = 0;
  const p = await proxyToRaw(t, (socket) => {
    connections++;
    socket.on('error', () => {});
    // As Python's http.server: one request per connection, answered in HTTP/1.0, closed a little later.
    socket.once('data', () => {
      socket.write('HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok');
      setTimeout(() => socket.destroy(), 100);
    });
  });
  for (let i = 0; i < 3; i++) {
    const answer = await sendRaw(
      p.port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx',
    );
    assert.equal(firstStatus(answer), 200, `request ${i + 1}: ${answer.slice(0, 120)}`);
  }
  assert.equal(connections, 3);
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [200, 200, 200],
  );
});

test('3: an HTTP/1.0 answer with `Connection: keep-alive` may be reused', async (t) => {
  let connections = 0;
  const p = await proxyToRaw(t, (socket) => {
    connections++;
    socket.on('data', () => socket.write('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok'));
  });
  for (let i = 0; i < 3; i++)
    assert.equal(firstStatus(await sendRaw(p.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 200);
  assert.equal(connections, 1);
});

test('8: an oversized response head in one read, a bare-LF head, status 099, and empty TE with Content-Length get 502 at once', async (t) => {
  const answers = [
    `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(20_000)}\r\ncontent-length: 2\r\n\r\nok`,
    'HTTP/1.1 200 OK\ncontent-length: 2\n\nok',
    'HTTP/1.1 099 Odd\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: \r\ncontent-length: 2\r\n\r\nok',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: ,\r\n\r\nok',
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok',
  ];
  // Each answer is written in one piece, and the connection stays open: only the router's parse can end it.
  const p = await proxyToRaw(t, (socket) => socket.once('data', () => socket.write(answers.shift() ?? '', 'latin1')));
  for (let i = 0; i < 6; i++) {
    const started = Date.now();
    const answer = await sendRaw(p.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 5_000 });
    assert.equal(firstStatus(answer), 502, `answer ${i + 1}: ${answer.slice(0, 100)}`);
    assert.ok(Date.now() - started < 2_000, `answer ${i + 1} took ${Date.now() - started} ms`);
  }
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [0, 0, 0, 0, 0, 0],
  );
});
