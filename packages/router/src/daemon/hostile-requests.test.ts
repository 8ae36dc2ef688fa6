// Issue 23, request side: the shapes that smuggled a request past the router, or confused the release about framing
// or Host. Each asserts what the client got and exactly what reached a strict recording release.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOnlyRouted } from '../testing/invariant.ts';
import { firstStatus, sendRaw, settle, startRecordingBackend, startRouterProxy } from '../testing/recording-backend.ts';
import { fieldValues } from '../testing/strict-parser.ts';

async function setup(t: { after(fn: () => unknown): void }, timeouts?: Parameters<typeof startRouterProxy>[1]) {
  const backend = await startRecordingBackend();
  const router = await startRouterProxy(backend, timeouts);
  t.after(async () => {
    await router.close();
    await backend.close();
  });
  return { backend, router };
}

const SMUGGLED = '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n';

test('1: a Transfer-Encoding other than one exact `chunked` (lists, NBSP, two lines) is refused with 400 and reaches nothing', async (t) => {
  const { backend, router } = await setup(t);
  const variants = [
    'identity, chunked',
    ',chunked',
    ', , chunked',
    'gzip, chunked',
    'x, chunked',
    'chunked,',
    '\xa0chunked,',
    'chunked\xa0,',
    '\xa0chunked',
    'chunked, chunked',
  ];
  for (const te of variants) {
    const answer = await sendRaw(
      router.port,
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\n\r\n${SMUGGLED}`,
    );
    assert.equal(firstStatus(answer), 400, JSON.stringify(te));
  }
  for (const lines of [
    'Transfer-Encoding: cow\r\nTransfer-Encoding: chunked',
    'Transfer-Encoding:\r\nTransfer-Encoding: chunked',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked',
  ]) {
    const answer = await sendRaw(router.port, `POST / HTTP/1.1\r\nHost: x\r\n${lines}\r\n\r\n${SMUGGLED}`);
    assert.equal(firstStatus(answer), 400, JSON.stringify(lines));
  }
  assert.equal(backend.connections.length, 0);
  assert.equal(router.routed(), 0);
});

test('1: `Transfer-Encoding:  Chunked ` (any case, SP/HTAB around) is forwarded as one canonical `transfer-encoding: chunked`', async (t) => {
  const { backend, router } = await setup(t);
  const answer = await sendRaw(
    router.port,
    'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \t Chunked \t\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  );
  assert.equal(firstStatus(answer), 200);
  await settle(() => backend.requests().length === 1);
  assertOnlyRouted(backend, router.routed(), 'chunked');
  const [request] = backend.requests();
  assert.deepEqual(fieldValues(request, 'transfer-encoding'), ['chunked']);
  assert.match(backend.connections[0].toString('latin1'), /\r\ntransfer-encoding: chunked\r\n/);
  assert.equal(request.body.toString(), 'abc');
});

test('2: an empty or comma-only Transfer-Encoding is not "absent": 400, beside a Content-Length or before a chunked body', async (t) => {
  const { backend, router } = await setup(t);
  for (const te of ['', ',', ' , ']) {
    assert.equal(
      firstStatus(
        await sendRaw(
          router.port,
          `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\nContent-Length: 5\r\n\r\nhello`,
        ),
      ),
      400,
      JSON.stringify(te),
    );
    assert.equal(
      firstStatus(
        await sendRaw(router.port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${te}\r\n\r\n${SMUGGLED}`),
      ),
      400,
      JSON.stringify(te),
    );
  }
  assert.equal(backend.connections.length, 0);
});

test('6: two Host fields are refused; an absolute-form target sets Host and X-Forwarded-Host to its authority (another Host: 400, as HAProxy)', async (t) => {
  const { backend, router } = await setup(t);
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n')),
    400,
  );
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n')),
    400,
  );
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET http://user@b.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n')),
    400,
    'userinfo',
  );
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET http:///x HTTP/1.1\r\nHost: a.example\r\n\r\n')),
    400,
    'no authority',
  );
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET http://b.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n')),
    400,
    'another Host',
  );
  assert.equal(backend.connections.length, 0);
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET http://B.example:8080/p?q=1 HTTP/1.1\r\nHost: b.example:8080\r\n\r\n')),
    200,
  );
  assert.equal(firstStatus(await sendRaw(router.port, 'GET /plain HTTP/1.1\r\nHost: a.example\r\n\r\n')), 200);
  await settle(() => backend.requests().length === 2);
  assertOnlyRouted(backend, router.routed(), 'host');
  const [absolute, plain] = backend.requests();
  assert.deepEqual(fieldValues(absolute, 'host'), ['B.example:8080'], 'the authority, as the target has it');
  assert.deepEqual(fieldValues(absolute, 'x-forwarded-host'), ['B.example:8080']);
  assert.deepEqual(fieldValues(plain, 'host'), ['a.example']);
  assert.deepEqual(fieldValues(plain, 'x-forwarded-host'), ['a.example']);
});

test('7: Content-Length is forwarded as one canonical line, odd forms refused; odd chunk lines and trailers refused', async (t) => {
  const { backend, router } = await setup(t);
  for (const cl of [
    'Content-Length: 5\xa0',
    'Content-Length: \xa05',
    'Content-Length: 5, 6',
    'Content-Length: 5\r\nContent-Length: 6',
    'Content-Length: +5',
    'Content-Length: 0x5',
  ]) {
    assert.equal(
      firstStatus(await sendRaw(router.port, `POST / HTTP/1.1\r\nHost: x\r\n${cl}\r\n\r\nhello`)),
      400,
      JSON.stringify(cl),
    );
  }
  const chunked = (body: string) =>
    sendRaw(router.port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
  for (const body of [
    '5 \r\nhello\r\n0\r\n\r\n',
    '5\t\r\nhello\r\n0\r\n\r\n',
    '5;a\x01b\r\nhello\r\n0\r\n\r\n',
    '5;\r\nhello\r\n0\r\n\r\n',
    '5;a b\r\nhello\r\n0\r\n\r\n',
    '0\r\nbad trailer\r\n\r\n',
    '0\r\nX-T: a\x01\r\n\r\n',
    '0\r\nContent-Length: 40\r\n\r\n',
  ]) {
    assert.equal(firstStatus(await chunked(body)), 400, JSON.stringify(body));
  }
  assertOnlyRouted(backend, router.routed(), 'refused bodies');
  for (const cl of [
    'Content-Length: 5\r\nContent-Length: 5',
    'Content-Length: 5, 5',
    'Content-Length:\t5\t',
    'Content-Length: 005',
  ]) {
    assert.equal(
      firstStatus(await sendRaw(router.port, `POST / HTTP/1.1\r\nHost: x\r\n${cl}\r\n\r\nhello`)),
      200,
      JSON.stringify(cl),
    );
  }
  assert.equal(
    firstStatus(await chunked('5;name=value;q="a b"\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n')),
    200,
    'a well-formed extension and trailer',
  );
  await settle(() => backend.requests().length === 5);
  assertOnlyRouted(backend, router.routed(), 'normalised');
  for (const request of backend.requests().slice(0, 4)) {
    assert.deepEqual(fieldValues(request, 'content-length'), ['5']);
    assert.equal(request.body.toString(), 'hello');
  }
  for (const c of backend.connections)
    assert.doesNotMatch(c.toString('latin1'), /content-length:(?! 5\r\n)/i, 'one canonical Content-Length line');
});

test('7: an HTTP/1.0 request with Transfer-Encoding gets `connection: close` and the connection is closed after the response', async (t) => {
  const { router } = await setup(t, { idleMs: 10_000, headersMs: 10_000, upstreamMs: 10_000 });
  const started = Date.now();
  const answer = await sendRaw(
    router.port,
    'POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    { all: true, timeoutMs: 5_000 },
  );
  assert.equal(firstStatus(answer), 200);
  assert.match(answer, /\r\nconnection: close\r\n/i);
  assert.ok(Date.now() - started < 2_000, 'closed by the router, not by a timeout');
});

test('9: a request line with a trailing space or LF, a `#fragment`, or a head of bare LFs gets 400 at once', async (t) => {
  const { backend, router } = await setup(t, { idleMs: 30_000, headersMs: 30_000, upstreamMs: 30_000 });
  assert.equal(firstStatus(await sendRaw(router.port, 'GET / HTTP/1.1 \r\nHost: x\r\n\r\n')), 400);
  assert.equal(firstStatus(await sendRaw(router.port, 'GET / HTTP/1.1\nHost: x\r\n\r\n')), 400);
  assert.equal(firstStatus(await sendRaw(router.port, 'GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n')), 400);
  assert.equal(
    firstStatus(await sendRaw(router.port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')),
    505,
    'another version is still 505',
  );
  const started = Date.now();
  const bareLf = await sendRaw(router.port, 'GET / HTTP/1.1\nHost: x\n\n', { all: true, timeoutMs: 5_000 });
  assert.equal(firstStatus(bareLf), 400);
  assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms, not after the head timeout`);
  assert.equal(backend.connections.length, 0);
});
