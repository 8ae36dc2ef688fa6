// Differential test (issue 23): every raw request and release answer of the corpus goes through the router and
// through HAProxy, each in front of its own strict recording release. The router must refuse whatever HAProxy
// refuses, and what it forwards must read, for a strict parser, as exactly the requests it meant to forward.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haproxyMissing, startHaproxy } from '../testing/haproxy.ts';
import { assertOnlyRouted } from '../testing/invariant.ts';
import {
  type RecordingBackend,
  firstStatus,
  sendRaw,
  settle,
  startRecordingBackend,
  startRouterProxy,
} from '../testing/recording-backend.ts';
import { requestCases, responseCases } from './fixtures/smuggling-corpus.ts';

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

interface Lane {
  name: string;
  raw: string;
  expected: 'refuse' | 'forward' | undefined;
  unlikeHaproxy?: string;
  /** What a proxy's own refusal looks like: any 4xx/5xx for requests, a 502 for release answers. */
  refused: (status: number, backend: RecordingBackend) => boolean;
  routerBackend: RecordingBackend;
  haproxyBackend: RecordingBackend;
  router: Awaited<ReturnType<typeof startRouterProxy>>;
}

// A refusal of the client's request (4xx, 501, 505), not a 502 about what the release then did.
const requestRefused = (status: number, backend: RecordingBackend) =>
  (status >= 400 && status < 500) || status === 501 || (status === 505 && backend.requests().length === 0);
const answerRefused = (status: number) => status === 502;

test(`the router refuses what HAProxy refuses, and forwards only what it meant to (${requestCases.length} requests, ${responseCases.length} answers)`, {
  skip: haproxyMissing,
}, async (t) => {
  const lanes: Lane[] = [];
  t.after(async () => {
    for (const lane of lanes)
      await Promise.all([lane.router.close(), lane.routerBackend.close(), lane.haproxyBackend.close()]);
  });
  const open = async (
    name: string,
    raw: string,
    expected: Lane['expected'],
    refused: Lane['refused'],
    answer?: (n: number) => string,
    unlikeHaproxy?: string,
  ) => {
    const routerBackend = await startRecordingBackend(answer);
    const haproxyBackend = await startRecordingBackend(answer);
    lanes.push({
      name,
      raw,
      expected,
      unlikeHaproxy,
      refused,
      routerBackend,
      haproxyBackend,
      router: await startRouterProxy(routerBackend),
    });
  };
  for (const c of requestCases)
    await open(`request: ${c.name}`, c.raw, c.router, requestRefused, undefined, c.unlikeHaproxy);
  for (const c of responseCases)
    await open(`answer: ${c.name}`, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', c.router, answerRefused, (n) =>
      n === 0 ? c.answer : OK,
    );
  const haproxy = await startHaproxy(lanes.map((l) => l.haproxyBackend.port));
  t.after(() => haproxy.stop());

  const problems: string[] = [];
  await Promise.all(
    lanes.map(async (lane, i) => {
      const send = (port: number) => sendRaw(port, lane.raw, { halfClose: true, all: true, timeoutMs: 5_000 });
      const [viaRouter, viaHaproxy] = await Promise.all([send(lane.router.port), send(haproxy.ports[i])]);
      await settle(() => lane.routerBackend.heads() >= lane.router.routed(), 300);
      const routerRefused = lane.refused(firstStatus(viaRouter), lane.routerBackend);
      const haproxyRefused = lane.refused(firstStatus(viaHaproxy), lane.haproxyBackend);
      try {
        assertOnlyRouted(lane.routerBackend, lane.router.routed(), lane.name);
      } catch (error) {
        problems.push((error as Error).message);
      }
      if (haproxyRefused && !routerRefused && !lane.unlikeHaproxy)
        problems.push(
          `${lane.name}: HAProxy refused (${firstStatus(viaHaproxy)}), the router answered ${firstStatus(viaRouter)}`,
        );
      if (lane.expected === 'refuse' && !routerRefused)
        problems.push(`${lane.name}: the router should refuse, answered ${firstStatus(viaRouter)}`);
      if (lane.expected === 'forward' && (routerRefused || firstStatus(viaRouter) !== 200))
        problems.push(`${lane.name}: the router should forward, answered ${firstStatus(viaRouter)}`);
    }),
  );
  assert.deepEqual(problems, []);
});
