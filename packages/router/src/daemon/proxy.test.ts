// The HTTP/1.1 proxy on its own, in process: real sockets to real upstream servers on loopback.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { type AddressInfo, type Socket, connect, createServer as createNetServer } from 'node:net';
import { test } from 'node:test';
import { type ProxyOutcome, type ProxyTimeouts, type Upstream, createProxyServer } from './proxy.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A proxy in front of one upstream (a node:http handler or a raw socket server); outcomes are collected. */
async function proxyTo(
  t: { after(fn: () => unknown): void },
  upstreamServer: Server | ReturnType<typeof createNetServer>,
  timeouts?: ProxyTimeouts,
) {
  const upstreamPort = await listen(upstreamServer);
  const upstream: Upstream = { port: upstreamPort, version: 'v1', inFlight: 0 };
  const outcomes: ProxyOutcome[] = [];
  const proxy = createProxyServer(
    { route: () => ({ upstream }), onOutcome: (_u, outcome) => outcomes.push(outcome) },
    timeouts,
  );
  const port = await listen(proxy.server);
  t.after(async () => {
    proxy.closeAllConnections();
    proxy.server.close();
    if ('closeAllConnections' in upstreamServer) upstreamServer.closeAllConnections();
    upstreamServer.close();
  });
  return { port, upstream, outcomes, url: `http://127.0.0.1:${port}` };
}

const httpUpstream = (handler: Handler) => createServer(handler);

/** Writes raw bytes and reads until the connection closes or `done(received)` says enough. */
function raw(port: number, data: string | Buffer, done: (text: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (done(text)) {
        // A reset, as a client that goes away: a FIN alone is a half-close, which still gets its answer.
        socket.resetAndDestroy();
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(data);
  });
}

function fetchText(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string | string[]; agent?: Agent } = {},
) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    if (Array.isArray(options.body)) for (const part of options.body) req.write(part);
    req.end(Array.isArray(options.body) ? undefined : options.body);
  });
}

test('keep-alive both ways: 200 requests over one client connection reuse a few upstream connections', async (t) => {
  let upstreamConnections = 0;
  const server = httpUpstream((req, res) => res.end(`hello ${req.url}`));
  server.on('connection', () => upstreamConnections++);
  const p = await proxyTo(t, server);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  for (let i = 0; i < 200; i++) {
    const res = await fetchText(`${p.url}/n${i}`, { agent });
    assert.equal(res.body.toString(), `hello /n${i}`);
  }
  assert.equal(upstreamConnections, 1);
  assert.equal(p.outcomes.length, 200);
  assert.ok(p.outcomes.every((o) => o.status === 200 && o.latencyMs >= 0));
  assert.equal(p.upstream.inFlight, 0);
});

test('request bodies stream through: 8 MB with Content-Length, and a chunked upload', async (t) => {
  const server = httpUpstream(async (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of req) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    res.end(JSON.stringify({ bytes, sha256: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null }));
  });
  const p = await proxyTo(t, server);
  const big = Buffer.alloc(8 * 1024 * 1024, 7);
  const fixed = JSON.parse((await fetchText(`${p.url}/upload`, { method: 'POST', body: big })).body.toString());
  assert.deepEqual(fixed, { bytes: big.length, sha256: createHash('sha256').update(big).digest('hex'), te: null });
  const parts = ['first part,', 'second part,', 'x'.repeat(100_000)];
  const chunked = JSON.parse((await fetchText(`${p.url}/upload`, { method: 'POST', body: parts })).body.toString());
  assert.deepEqual(chunked, {
    bytes: parts.join('').length,
    sha256: createHash('sha256').update(parts.join('')).digest('hex'),
    te: 'chunked',
  });
});

test('a chunked response passes through to HTTP/1.1, and is decoded for an HTTP/1.0 client (then closed)', async (t) => {
  const server = httpUpstream((_req, res) => {
    res.write('alpha ');
    setTimeout(() => res.end('omega'), 20);
  });
  const p = await proxyTo(t, server);
  assert.equal((await fetchText(`${p.url}/`)).body.toString(), 'alpha omega');
  const old = await raw(p.port, 'GET / HTTP/1.0\r\n\r\n');
  assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(old, /transfer-encoding/i);
  assert.match(old, /connection: close\r\n/);
  assert.ok(old.endsWith('\r\n\r\nalpha omega'), old);
});

test('pipelined requests are answered in order; HEAD, 204 and 304 carry no body and keep the connection', async (t) => {
  const server = httpUpstream((req, res) => {
    if (req.url === '/204') return res.writeHead(204).end();
    if (req.url === '/304') return res.writeHead(304, { etag: '"x"' }).end();
    res.end(`body of ${req.url}`);
  });
  const p = await proxyTo(t, server);
  const get = (path: string, method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const text = await raw(p.port, get('/a') + get('/head', 'HEAD') + get('/204') + get('/304') + get('/b'), (s) =>
    s.includes('body of /b'),
  );
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '204', '304', '200']);
  assert.ok(text.indexOf('body of /a') < text.indexOf('HTTP/1.1 204'));
  assert.doesNotMatch(text, /body of \/head/);
  assert.equal(p.outcomes.length, 5);
});

test('a response without length ends when the release closes; the client connection closes too', async (t) => {
  const server = createNetServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end'));
  });
  const p = await proxyTo(t, server);
  const text = await raw(p.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(text, /connection: close\r\n/);
  assert.ok(text.endsWith('\r\n\r\nuntil the end'));
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [200],
  );
});

test('ambiguous or malformed requests are refused with 400/431/505 and never reach the release', async (t) => {
  let reached = 0;
  const p = await proxyTo(
    t,
    httpUpstream((_req, res) => {
      reached++;
      res.end('ok');
    }),
  );
  const status = async (data: string) => /^HTTP\/1\.1 (\d{3})/.exec(await raw(p.port, data))?.[1];
  assert.equal(
    await status('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    '400',
  );
  assert.equal(await status('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'), '400');
  assert.equal(await status('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'), '400');
  assert.equal(await status('GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'), '400');
  assert.equal(await status('GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n'), '400');
  assert.equal(await status('GET / HTTP/1.1\r\n\r\n'), '400');
  assert.equal(await status('GET / HTTP/2.0\r\nHost: x\r\n\r\n'), '505');
  assert.equal(await status('NOT A REQUEST\r\n\r\n'), '400');
  assert.equal(await status('GET  / HTTP/1.1\r\nHost: x\r\n\r\n'), '400');
  assert.equal(await status('GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n'), '400');
  assert.equal(await status('G(T / HTTP/1.1\r\nHost: x\r\n\r\n'), '400');
  assert.equal(await status('GET / HTTP/1.1 \r\nHost: x\r\n\r\n'), '400');
  // Fields named in Connection are dropped when forwarding: never the framing ones (the release would see no length).
  assert.equal(
    await status('POST / HTTP/1.1\r\nHost: x\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nGET /'),
    '400',
  );
  assert.equal(await status('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Host\r\n\r\n'), '400');
  assert.equal(await status(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), '431');
  assert.equal(await status('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), '400');
  assert.equal(reached, 0);
});

test('hop-by-hop fields are dropped both ways; X-Forwarded-* are added; Expect: 100-continue works', async (t) => {
  const server = httpUpstream(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.setHeader('connection', 'keep-alive, x-private');
    res.setHeader('x-private', 'no');
    res.setHeader('keep-alive', 'timeout=5');
    res.end(JSON.stringify({ headers: req.headers, body }));
  });
  const p = await proxyTo(t, server);
  const res = await fetchText(`${p.url}/h`, {
    method: 'POST',
    headers: {
      connection: 'x-secret',
      'x-secret': '1',
      te: 'trailers',
      'proxy-authorization': 'Basic eA==',
      expect: '100-continue',
    },
    body: 'payload',
  });
  const seen = JSON.parse(res.body.toString()) as { headers: Record<string, string>; body: string };
  assert.equal(seen.body, 'payload');
  for (const name of ['x-secret', 'te', 'proxy-authorization']) assert.equal(seen.headers[name], undefined, name);
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${p.port}`);
  assert.equal(res.headers['x-private'], undefined);
  assert.equal(res.headers['keep-alive'], undefined);
});

test('a release that is down gets a 502 naming it; outcome status 0', async (t) => {
  const server = httpUpstream(() => {});
  const p = await proxyTo(t, server);
  server.close();
  await once(server, 'close');
  const res = await fetchText(`${p.url}/`);
  assert.equal(res.status, 502);
  assert.match(res.body.toString(), /release v1 did not answer/);
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [0],
  );
  assert.equal(p.upstream.inFlight, 0);
});

test('a reused connection the release dropped is retried for a GET, not for a POST', async (t) => {
  // Answers the first request on each connection, then drops the connection at the next one without a word.
  const server = createNetServer((socket) => {
    let served = 0;
    socket.on('data', () => {
      if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      else socket.destroy();
    });
  });
  const p = await proxyTo(t, server);
  assert.equal((await fetchText(`${p.url}/1`)).status, 200);
  assert.equal((await fetchText(`${p.url}/2`)).status, 200, 'GET replayed on a new connection');
  const post = await fetchText(`${p.url}/3`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 502, 'a POST is never replayed');
});

test('a client that goes away ends the release request; counted with the release status, or 499 before any answer', async (t) => {
  let upstreamClosed = 0;
  const server = httpUpstream((req, res) => {
    if (req.url === '/partial') res.write('partial');
    res.on('close', () => upstreamClosed++);
  });
  const p = await proxyTo(t, server);
  await raw(p.port, 'GET /partial HTTP/1.1\r\nHost: x\r\n\r\n', (s) => s.includes('partial'));
  for (let i = 0; i < 50 && upstreamClosed < 1; i++) await new Promise((r) => setTimeout(r, 20));
  const client = connect(p.port, '127.0.0.1');
  client.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  client.resetAndDestroy();
  for (let i = 0; i < 50 && upstreamClosed < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(upstreamClosed, 2);
  // Neither is a release error for the judge (0 or 5xx would be).
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [200, 499],
  );
  assert.equal(p.upstream.inFlight, 0);
});

test('a 20 MB download arrives intact (back-pressure from a client that reads slowly, longer than the upstream timeout)', async (t) => {
  const payload = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i % 251;
  const server = httpUpstream((_req, res) => res.end(payload));
  // The release is held back by the client, not silent: no 504.
  const p = await proxyTo(t, server, { idleMs: 60_000, headersMs: 60_000, upstreamMs: 300 });
  const body = await new Promise<Buffer>((resolve, reject) => {
    request(`${p.url}/`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        res.pause();
        setTimeout(() => res.resume(), chunks.length === 1 ? 1_200 : 1);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('close', () => res.complete || reject(new Error(`the download was cut after ${chunks.length} chunks`)));
    })
      .on('error', reject)
      .end();
  });
  assert.ok(body.equals(payload));
});

test('an idle keep-alive connection is closed after the idle timeout; a head that is too slow gets 408', async (t) => {
  const p = await proxyTo(
    t,
    httpUpstream((_req, res) => res.end('ok')),
    { idleMs: 400, headersMs: 400, upstreamMs: 60_000 },
  );
  const started = Date.now();
  const kept = await raw(p.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(kept, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nok$/);
  assert.ok(Date.now() - started >= 400, 'closed only once idle for the timeout');
  const slow = await raw(p.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
  assert.match(slow, /^HTTP\/1\.1 408 [\s\S]*the request head took over 0\.4 s/);
});

test('a release whose status line or Connection field is malformed gets a 502; a bare status code without reason passes', async (t) => {
  const answers = [
    'HTTP/1.1 20 OK\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 204\r\n\r\n',
    'HTTP/3.0 200 OK\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nconnection: content-length\r\ncontent-length: 2\r\n\r\nok',
  ];
  const p = await proxyTo(
    t,
    createNetServer((socket) => socket.once('data', () => socket.end(answers.shift() ?? ''))),
  );
  assert.equal((await fetchText(p.url)).status, 502);
  assert.equal((await fetchText(p.url)).status, 204);
  assert.equal((await fetchText(p.url)).status, 502);
  assert.equal((await fetchText(p.url)).status, 502, 'a release naming Content-Length in Connection');
});

test('an upload to a release that reads slowly is held back (back-pressure), then arrives whole', async (t) => {
  const size = 96 * 1024 * 1024;
  let readsFrom: () => void = () => {};
  const hold = new Promise<void>((resolve) => (readsFrom = resolve));
  const upstream = createNetServer((socket) => {
    socket.pause();
    let received = 0;
    void hold.then(() => socket.resume());
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (received >= size) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
  });
  const p = await proxyTo(t, upstream);
  const client = connect(p.port, '127.0.0.1');
  await once(client, 'connect');
  client.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
  const block = Buffer.alloc(1024 * 1024, 1);
  let queued = 0;
  // Write until the kernel and the proxy stop taking bytes (no 'drain' for 300 ms).
  while (queued < size) {
    queued += block.length;
    if (client.write(block)) continue;
    const drained = await Promise.race([
      once(client, 'drain').then(() => true),
      new Promise((r) => setTimeout(r, 300, false)),
    ]);
    if (!drained) break;
  }
  const accepted = client.bytesWritten;
  assert.ok(
    accepted < size / 2,
    `the proxy stopped reading the client at ${(accepted / 2 ** 20).toFixed(1)} MiB of ${size / 2 ** 20} MiB`,
  );
  readsFrom();
  while (queued < size) {
    queued += block.length;
    if (!client.write(block)) await once(client, 'drain');
  }
  const answer = await new Promise<string>((resolve) => client.once('data', (c) => resolve(c.toString('latin1'))));
  assert.match(answer, /^HTTP\/1\.1 200 /);
  client.destroy();
});

test('a release silent past the upstream timeout: 504 before any response byte, the connection cut after; outcome 0', async (t) => {
  const p = await proxyTo(
    t,
    httpUpstream((req, res) => {
      if (req.url === '/half') res.writeHead(200, { 'content-length': '10' }).write('abc');
    }),
    { idleMs: 60_000, headersMs: 60_000, upstreamMs: 500 },
  );
  const started = Date.now();
  const silent = await fetchText(`${p.url}/silent`);
  assert.equal(silent.status, 504);
  assert.match(silent.body.toString(), /gateway timeout: release v1 sent nothing for 1 s/);
  assert.ok(Date.now() - started >= 500);
  const half = await raw(p.port, 'GET /half HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(half, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nabc$/, 'the head and the bytes sent, then the connection closed');
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [0, 0],
  );
  assert.equal(p.upstream.inFlight, 0);
});

test('an upgrade (WebSocket-style) is tunnelled after the 101: bytes both ways, 5 MB echoed intact, closed together', async (t) => {
  const server = httpUpstream((req, res) =>
    res
      .writeHead(426, { 'content-type': 'text/plain' })
      .end(`upgrade required, got ${req.headers.upgrade ?? 'none'}\n`),
  );
  let upstreamClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.headers.upgrade !== 'echo') return socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Forwarded-For: ${req.headers['x-forwarded-for']}\r\n\r\n`,
    );
    if (head.length) socket.write(head);
    socket.pipe(socket);
    socket.on('close', () => upstreamClosed());
  });
  const p = await proxyTo(t, server);
  const client = connect(p.port, '127.0.0.1');
  await once(client, 'connect');
  client.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
  const payload = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 256;
  let received = Buffer.alloc(0);
  let headEnd = -1;
  const done = new Promise<void>((resolve) =>
    client.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (headEnd < 0) {
        headEnd = received.indexOf('\r\n\r\n');
        if (headEnd >= 0) client.write(payload);
      }
      if (headEnd >= 0 && received.length - headEnd - 4 >= payload.length) resolve();
    }),
  );
  await done;
  const head = received.subarray(0, headEnd).toString('latin1');
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(head, /\r\nconnection: upgrade\r\nupgrade: echo$/i);
  assert.match(head, /x-seen-forwarded-for: 127\.0\.0\.1/i);
  assert.ok(received.subarray(headEnd + 4).equals(payload), 'the echo came back byte for byte');
  assert.deepEqual(
    p.outcomes.map((o) => o.status),
    [101],
  );
  assert.equal(p.upstream.inFlight, 0, 'a tunnel counts once, when it opens');
  client.end();
  await closed;
  // A release that refuses the upgrade answers like any request; the client connection closes after it.
  const refused = await raw(p.port, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: nope\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.1 400 /);
  const plain = await fetchText(`${p.url}/plain`, { headers: { upgrade: 'echo' } });
  assert.equal(plain.status, 426, 'Upgrade without Connection: upgrade is hop-by-hop noise and dropped');
  assert.match(plain.body.toString(), /got none/);
});

test('bytes after a refused upgrade never reach the release: the client connection closes after the refusal', async (t) => {
  const seen: string[] = [];
  const p = await proxyTo(
    t,
    httpUpstream((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-forwarded-for']}`);
      res.writeHead(426).end();
    }),
  );
  const answer = await raw(
    p.port,
    'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nPOST /admin/delete HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\nContent-Length: 0\r\n\r\n',
  );
  assert.match(answer, /^HTTP\/1\.1 426 [\s\S]*connection: close/i);
  assert.doesNotMatch(answer, /HTTP\/1\.1 [\s\S]*HTTP\/1\.1/, 'one answer only');
  assert.deepEqual(seen, ['GET /ws 127.0.0.1']);
});

test('timeouts are blamed right: a stalled upload is the client’s 408; replies the router writes itself keep a connection alive; a half-closed client is reaped', async (t) => {
  // The release reads the whole body before answering (the proxy cuts it when the client stalls).
  const server = httpUpstream((req, res) => {
    req.on('error', () => {});
    req.on('end', () => res.end('ok'));
    req.resume();
  });
  const upstream: Upstream = { port: await listen(server), version: 'v1', inFlight: 0 };
  const outcomes: ProxyOutcome[] = [];
  const proxy = createProxyServer(
    {
      route: (head) =>
        head.target === '/local' ? { answer: { status: 200, headers: {}, body: 'here' } } : { upstream },
      onOutcome: (_u, outcome) => outcomes.push(outcome),
    },
    { idleMs: 600, headersMs: 600, upstreamMs: 600 },
  );
  const port = await listen(proxy.server);
  t.after(() => {
    proxy.closeAllConnections();
    proxy.server.close();
    server.closeAllConnections();
    server.close();
  });
  const stalled = await raw(port, 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcde');
  assert.match(stalled, /^HTTP\/1\.1 408 [\s\S]*the request body stalled/);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    [408],
    'not 0 or 504: the release did nothing wrong',
  );
  // Local answers every 200 ms for 1.5 s, over one connection with a 600 ms idle timeout.
  const client = connect(port, '127.0.0.1');
  let answers = 0;
  client.on('data', (chunk) => (answers += chunk.toString().split('HTTP/1.1 200').length - 1));
  for (let i = 0; i < 8; i++) {
    client.write('GET /local HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(answers, 8);
  assert.equal(client.destroyed, false);
  client.destroy();
  // A client that half-closes after `Connection: close` and never closes: the proxy closes its side in time.
  const halfOpen = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  halfOpen.write('GET /local HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  halfOpen.resume();
  await once(halfOpen, 'end');
  const closedAt = Date.now();
  const connections = () => new Promise<number>((resolve) => proxy.server.getConnections((_e, n) => resolve(n)));
  while ((await connections()) > 0 && Date.now() - closedAt < 5_000) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await connections(), 0, 'the half-closed connection was reaped');
  halfOpen.destroy();
});
