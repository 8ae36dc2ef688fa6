// Property-based fuzz (issue 23): heads and chunk framing mutated at random (seeded), sent through the router to a
// strict recording release. Whatever the router makes of each, every request the release sees must be one the
// router meant to forward (see assertOnlyRouted). PILOT_FUZZ_RUNS=5000 (and PILOT_FUZZ_SEED) for a longer run;
// the router bench runs it too when PILOT_FUZZ_RUNS is set.
import { test } from 'node:test';
import fc from 'fast-check';
import { assertOnlyRouted } from '../testing/invariant.ts';
import { sendRaw, settle, startRecordingBackend, startRouterProxy } from '../testing/recording-backend.ts';

const RUNS = Number(process.env.PILOT_FUZZ_RUNS ?? 500);
const SEED = Number(process.env.PILOT_FUZZ_SEED ?? 23);

// The pieces smuggling is made of: separators, whitespace of every kind, line ends, framing words.
const noise = fc.constantFrom(
  ' ',
  '\t',
  '\xa0',
  '\x0b',
  '\x0c',
  ',',
  ';',
  '\r',
  '\n',
  '\r\n',
  '\x00',
  '"',
  ':',
  '=',
  'chunked',
  'identity',
  '0',
  '5',
  'Transfer-Encoding',
  'Content-Length',
  'Host',
  '\r\n\r\n',
  'GET /smuggled HTTP/1.1\r\n',
);
const teValue = fc
  .array(fc.oneof(noise, fc.constantFrom('chunked', 'Chunked', 'gzip', '')), { maxLength: 4 })
  .map((parts) => parts.join(''));
const field = fc.oneof(
  teValue.map((v) => `Transfer-Encoding:${v}`),
  fc
    .array(fc.oneof(noise, fc.constantFrom('5', '05', '5, 5', '50')), { maxLength: 3 })
    .map((parts) => `Content-Length:${parts.join('')}`),
  fc.constantFrom(
    'Host: x',
    'Host: y',
    'Connection: close',
    'Connection: keep-alive',
    'X-Forwarded-For: 10.0.0.1',
    'Transfer-Encoding: chunked',
    'Content-Length: 5',
  ),
  fc
    .tuple(fc.constantFrom('X-A', 'Transfer-Encoding', 'Content-Length', 'Host'), noise, fc.string({ maxLength: 6 }))
    .map(([n, s, v]) => `${n}${s}${v}`),
);
const chunkLine = fc
  .tuple(
    fc.constantFrom('5', '05', '0', 'a', '5 ', '5;x', '5;x=y', '5;x="a b"', '5\t', 'fffffffffffffff', '-1', '0x5'),
    fc.option(noise, { nil: '' }),
  )
  .map(([a, b]) => a + b);
const body = fc.oneof(
  fc.constant(''),
  fc.constant('hello'),
  fc.array(chunkLine, { maxLength: 3 }).map((lines) => `${lines.map((l) => `${l}\r\nhello\r\n`).join('')}0\r\n\r\n`),
  fc.constant('0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'),
);
const request = fc.record({
  line: fc.constantFrom(
    'POST / HTTP/1.1',
    'GET / HTTP/1.1',
    'POST / HTTP/1.0',
    'GET http://x/ HTTP/1.1',
    'GET / HTTP/1.1 ',
  ),
  fields: fc.array(field, { maxLength: 5 }),
  host: fc.boolean(),
  body,
});

test(`fuzz: mutated heads and chunk framing never put a request the router did not mean to forward before the release (${RUNS} runs, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      // A fresh release and router per run: a counterexample then stands on its own.
      const backend = await startRecordingBackend();
      const router = await startRouterProxy(backend, { idleMs: 1_000, headersMs: 1_000, upstreamMs: 1_000 });
      try {
        const raw = `${r.line}\r\n${r.host ? 'Host: x\r\n' : ''}${r.fields.map((f) => `${f}\r\n`).join('')}\r\n${r.body}`;
        await sendRaw(router.port, raw, { halfClose: true, all: true, timeoutMs: 3_000 });
        await settle(() => backend.heads() >= router.routed(), 100);
        assertOnlyRouted(backend, router.routed(), JSON.stringify(raw));
      } finally {
        await router.close();
        await backend.close();
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
});
