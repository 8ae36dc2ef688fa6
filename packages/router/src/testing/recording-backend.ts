// A release for hostile-traffic tests: a raw TCP server that records exactly the bytes each connection brings,
// reads them with the strict parser, and answers every complete request (with a canned response or `ok`).
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { type ProxyOutcome, type ProxyTimeouts, type Upstream, createProxyServer } from '../daemon/proxy.ts';
import { type SeenRequest, type StrictReading, readStrictRequests } from './strict-parser.ts';

export interface RecordingBackend {
  port: number;
  /** Every connection's bytes, in the order connections were accepted. */
  connections: Buffer[];
  /** Each connection read strictly. */
  readings(): StrictReading[];
  /** Request heads seen (complete requests, and a head whose body is still arriving). */
  heads(): number;
  requests(): SeenRequest[];
  /** The first deviation a strict parser found, if any. */
  error(): string | undefined;
  close(): Promise<void>;
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

/** `answer(n)`: the raw bytes sent for the n-th request of the backend (0-based); `ok` by default. */
export async function startRecordingBackend(answer: (n: number) => string = () => OK): Promise<RecordingBackend> {
  const connections: Buffer[] = [];
  const sockets = new Set<Socket>();
  let answered = 0;
  const server: Server = createServer((socket) => {
    const index = connections.push(Buffer.alloc(0)) - 1;
    let complete = 0;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      connections[index] = Buffer.concat([connections[index], chunk]);
      const reading = readStrictRequests(connections[index]);
      for (; complete < reading.requests.length; complete++) socket.write(answer(answered++), 'latin1');
      if (reading.error) socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const readings = () => connections.map((c) => readStrictRequests(c));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    readings,
    heads: () => readings().reduce((n, r) => n + r.requests.length + (r.partialHead ? 1 : 0), 0),
    requests: () => readings().flatMap((r) => r.requests),
    error: () => readings().find((r) => r.error)?.error,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The router's proxy in front of `backend`, counting the requests it decided to forward. */
export async function startRouterProxy(
  backend: RecordingBackend,
  timeouts: ProxyTimeouts = { idleMs: 1_000, headersMs: 1_000, upstreamMs: 1_000 },
) {
  const upstream: Upstream = { port: backend.port, version: 'v1', inFlight: 0 };
  const outcomes: ProxyOutcome[] = [];
  let routed = 0;
  const proxy = createProxyServer(
    {
      route: () => {
        routed++;
        return { upstream };
      },
      onOutcome: (_u, outcome) => outcomes.push(outcome),
    },
    timeouts,
  );
  proxy.server.listen(0, '127.0.0.1');
  await once(proxy.server, 'listening');
  return {
    port: (proxy.server.address() as AddressInfo).port,
    outcomes,
    upstream,
    /** How many requests the router forwarded (one head each to the release). */
    routed: () => routed,
    async close() {
      proxy.closeAllConnections();
      proxy.server.close();
      await once(proxy.server, 'close');
    },
  };
}

/**
 * Sends raw bytes and reads what comes back (latin1) until the proxy ends the connection, or a whole response
 * has arrived (unless `all`), or `timeoutMs` passes. `halfClose` ends the writing side after the bytes.
 */
export function sendRaw(
  port: number,
  data: string | Buffer,
  options: { halfClose?: boolean; all?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 3_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (!options.all && wholeResponse(text)) socket.destroy();
    });
    // The proxy's FIN ends the exchange, as for any client.
    socket.on('end', () => socket.destroy());
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    if (options.halfClose) socket.end();
  });
}

/** Whether `text` starts with a whole final response delimited by Content-Length. */
function wholeResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0 || /^HTTP\/1\.[01] 1\d\d/.test(text)) return false;
  const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(text.slice(0, end + 2));
  return length !== null && text.length >= end + 4 + Number(length[1]);
}

/** The status of the first response in `text`, or 0 when none came. */
export function firstStatus(text: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
}

/** Waits until `check()` holds or `ms` pass (the release may still be reading what the proxy wrote). */
export async function settle(check: () => boolean, ms = 500): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
