import { type Server, type Socket, createServer } from 'node:net';
import {
  Exchange,
  type ExchangeOwner,
  type ExchangeTarget,
  type ProxyOutcome,
  type ProxyTimeouts,
  type Upstream,
} from './http1/exchange.ts';
import { type Framing, requestFraming, wantsKeepAlive } from './http1/framing.ts';
import { HEAD_END, HttpError, MAX_HEAD_BYTES, type RequestHead, hasBareLf, parseRequestHead } from './http1/head.ts';
import { localResponse } from './http1/rewrite.ts';
import { UpstreamPool } from './http1/upstream-pool.ts';

export type { ProxyOutcome, ProxyTimeouts, Upstream } from './http1/exchange.ts';
export type { RequestHead } from './http1/head.ts';
export { fieldList, fieldValue } from './http1/head.ts';

/** What the router does with a request: answer it itself, or forward it to a release. */
export type RouteDecision<U extends Upstream = Upstream> =
  | { answer: { status: number; headers: Record<string, string>; body: string } }
  | (ExchangeTarget & { upstream: U });

export interface ProxyHandlers<U extends Upstream> {
  route(head: RequestHead): RouteDecision<U>;
  /** Every forwarded request, once over: the release's status (0 = no answer from it) and the latency. */
  onOutcome(upstream: U, outcome: ProxyOutcome): void;
}

/**
 * As node:http's server: a keep-alive connection idle for longer than `idleMs` is closed; a head must arrive within
 * `headersMs`. As HAProxy's `timeout server`: a release silent for `upstreamMs` mid-exchange gets the request a 504.
 */
export const DEFAULT_TIMEOUTS: ProxyTimeouts = { idleMs: 65_000, headersMs: 60_000, upstreamMs: 60_000 };

/** Client connections beyond `maxConnections` are closed on accept (each costs a file descriptor and memory). */
export interface ProxyLimits {
  maxConnections: number;
  /** Said when the limit is reached, at most once every 10 s (a burst of refused connections is one event). */
  onConnectionLimit?: (maxConnections: number) => void;
}

/** About 20,000 idle sockets exhausted the file descriptors of a default shell (ulimit -n); HAProxy's maxconn is similar. */
export const DEFAULT_LIMITS: ProxyLimits = { maxConnections: 10_000 };

// After a connection is told it closes (a refusal, `Connection: close`), the router stops reading it and gives the
// client this long to read the answer before the socket is destroyed: reading and discarding an endless stream would
// cost CPU for as long as the client likes.
const LINGER_MS = 1_000;

/**
 * The traffic listener: HTTP/1.1 on plain sockets, bytes streamed through to keep-alive connections to the
 * releases. node:http cost ~280 µs of CPU per proxied request here (request and response objects on both sides);
 * this costs ~70–80, against HAProxy's ~50 (the router bench reports both).
 */
export function createProxyServer<U extends Upstream>(
  handlers: ProxyHandlers<U>,
  timeouts = DEFAULT_TIMEOUTS,
  limits = DEFAULT_LIMITS,
) {
  const pool = new UpstreamPool();
  const connections = new Set<ClientConnection>();
  // allowHalfOpen: a client that sends its requests and half-closes (`nc -N`) still gets its answers.
  const server: Server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const connection = new ClientConnection(socket, handlers as unknown as ProxyHandlers<Upstream>, pool);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  // One sweep instead of socket.setTimeout: node re-arms a socket's timer on every read and write (~1.5 µs a request).
  const sweep = setInterval(
    () => {
      const now = Date.now();
      const monotonic = performance.now();
      for (const connection of connections) connection.checkTimeouts(now, monotonic, timeouts);
    },
    Math.min(1_000, timeouts.idleMs / 4, timeouts.headersMs / 4, timeouts.upstreamMs / 4),
  ).unref();
  server.on('close', () => clearInterval(sweep));
  server.maxConnections = limits.maxConnections;
  let limitSaidAt = 0;
  server.on('drop', () => {
    if (Date.now() - limitSaidAt < 10_000) return;
    limitSaidAt = Date.now();
    limits.onConnectionLimit?.(limits.maxConnections);
  });
  return {
    server,
    closeAllConnections(): void {
      for (const connection of connections) connection.client.destroy();
      pool.closeIdle();
    },
  };
}

/** One client connection: reads request heads one after another (pipelined ones wait their turn). */
class ClientConnection implements ExchangeOwner {
  readonly client: Socket;
  readonly remoteAddress: string | undefined;
  readonly pool: UpstreamPool;
  readonly #handlers: ProxyHandlers<Upstream>;
  #pending?: Buffer;
  #exchange?: Exchange;
  #closing = false;
  /** The client half-closed: what it sent is answered, then the connection closes. */
  #clientEnded = false;
  /** When the head now awaited began to arrive (0: none pending). */
  #headSince = 0;
  #idleSince = Date.now();

  constructor(socket: Socket, handlers: ProxyHandlers<Upstream>, pool: UpstreamPool) {
    this.client = socket;
    this.remoteAddress = socket.remoteAddress;
    this.#handlers = handlers;
    this.pool = pool;
    socket.on('data', this.#onData);
    socket.on('error', () => {});
    socket.on('end', this.#onEnd);
    socket.on('close', () => {
      this.#closing = true;
      this.#exchange?.clientGone();
    });
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closing) return;
    const exchange = this.#exchange;
    if (exchange?.tunnelling) {
      exchange.tunnelData(chunk);
      return;
    }
    if (exchange && !exchange.requestDone) {
      const rest = exchange.requestBody(chunk);
      if (!rest) return;
      chunk = rest;
    }
    this.#pending = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    // A pipelined request waits (unread) until the current response is over.
    if (this.#exchange) this.client.pause();
    else this.#next();
  };

  /** The client half-closed (every byte it sent was read before this). */
  readonly #onEnd = (): void => {
    this.#clientEnded = true;
    const exchange = this.#exchange;
    if (exchange?.tunnelling) this.client.end();
    else if (exchange && !exchange.requestDone) {
      // The body will never be complete: the release's connection goes, and this one.
      exchange.clientGone();
      this.client.destroy();
    } else if (!exchange) this.#close();
  };

  #next(): void {
    while (!this.#closing && !this.#exchange && this.#pending) {
      const buf = this.#pending;
      let start = 0;
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      while (buf[start] === 13 && buf[start + 1] === 10) start += 2;
      const end = buf.indexOf(HEAD_END, start);
      if (end < 0 || end - start > MAX_HEAD_BYTES) {
        if (buf.length - start > MAX_HEAD_BYTES) {
          this.#refuse(new HttpError(431, `request head over ${MAX_HEAD_BYTES} bytes`));
          return;
        }
        // A bare LF: this head would never end in CRLFCRLF; 400 now rather than 408 after the head timeout.
        if (hasBareLf(buf, start)) {
          this.#refuse(new HttpError(400, 'a bare LF in the request head (lines end with CRLF)'));
          return;
        }
        this.#headSince ||= Date.now();
        this.#pending = start < buf.length ? buf.subarray(start) : undefined;
        break;
      }
      this.#headSince = 0;
      this.#pending = end + 4 < buf.length ? buf.subarray(end + 4) : undefined;
      let head: RequestHead;
      let framing: Framing;
      try {
        head = parseRequestHead(buf.toString('latin1', start, end));
        framing = requestFraming(head);
        if (head.minor === 1 && head.host === undefined)
          throw new HttpError(400, 'an HTTP/1.1 request needs a Host header');
        if (head.method === 'CONNECT') throw new HttpError(501, 'the router does not tunnel CONNECT');
      } catch (error) {
        this.#refuse(error);
        return;
      }
      this.#dispatch(head, framing);
    }
    if (this.#closing) return;
    // Half-closed and nothing more in progress: no further request can come.
    if (this.#clientEnded && !this.#exchange) this.#close();
    else if (!this.#exchange?.uploadWaitingDrain) this.client.resume();
  }

  #dispatch(head: RequestHead, framing: Framing): void {
    const decision = this.#handlers.route(head);
    if ('answer' in decision) {
      // A body we would have to skip: simpler and safe to close after answering.
      const keep = wantsKeepAlive(head) && framing.kind === 'none';
      const { status, headers, body } = decision.answer;
      this.client.write(localResponse(status, headers, body, { close: !keep, head: head.method === 'HEAD' }));
      this.#idleSince = Date.now();
      if (!keep) this.#close();
      return;
    }
    const exchange = new Exchange(this, decision, head, framing);
    this.#exchange = exchange;
    const rest = this.#pending;
    this.#pending = undefined;
    if (rest) this.#pending = exchange.requestBody(rest);
  }

  report(upstream: Upstream, outcome: ProxyOutcome): void {
    this.#handlers.onOutcome(upstream, outcome);
  }

  tunnelOpened(exchange: Exchange): void {
    if (this.#exchange !== exchange) return;
    // Whatever the client sent after its upgrade request waited for this: it goes through now.
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) exchange.tunnelData(pending);
    if (!exchange.uploadWaitingDrain) this.client.resume();
  }

  exchangeEnded(exchange: Exchange, keepClient: boolean): void {
    if (this.#exchange !== exchange) return;
    this.#exchange = undefined;
    this.#idleSince = Date.now();
    if (keepClient) this.#next();
    else this.#close();
  }

  /**
   * The sweep: a head slower than `headersMs` gets 408; a connection idle between requests, or closing, for `idleMs`
   * is closed; an exchange in progress checks its own silences.
   */
  checkTimeouts(now: number, monotonic: number, timeouts: ProxyTimeouts): void {
    const { idleMs, headersMs } = timeouts;
    if (this.#closing) {
      // Not read from any more: destroyed once the answer has left (or the client stopped reading it for idleMs).
      const closingMs = now - this.#idleSince;
      if ((closingMs > Math.min(LINGER_MS, idleMs) && this.client.writableLength === 0) || closingMs > idleMs)
        this.client.destroy();
    } else if (this.#exchange) this.#exchange.checkTimeouts(monotonic, timeouts);
    else if (this.#headSince && now - this.#headSince > headersMs)
      this.#refuse(new HttpError(408, `the request head took over ${headersMs / 1000} s`));
    else if (!this.#headSince && now - this.#idleSince > idleMs) this.client.destroy();
  }

  #refuse(error: unknown): void {
    const status = error instanceof HttpError ? error.status : 400;
    const message = error instanceof Error ? error.message : String(error);
    this.client.write(
      localResponse(status, { 'content-type': 'text/plain' }, `${message}\n`, { close: true, head: false }),
    );
    this.#close();
  }

  /** Answers are flushed and the connection ends; nothing more is read (see LINGER_MS). */
  #close(): void {
    this.#closing = true;
    this.#idleSince = Date.now();
    this.#pending = undefined;
    this.client.pause();
    this.client.end();
  }
}
