import type { Socket } from 'node:net';
import { ChunkedBody } from './chunked.ts';
import { type Framing, responseFraming, wantsKeepAlive } from './framing.ts';
import {
  HEAD_END,
  HttpError,
  MAX_HEAD_BYTES,
  type RequestHead,
  type ResponseHead,
  fieldValue,
  hasBareLf,
  parseResponseHead,
} from './head.ts';
import {
  type ResponseShape,
  clientResponseHead,
  informationalHead,
  localResponse,
  switchingProtocolsHead,
  upgradeRequested,
  upstreamRequestHead,
} from './rewrite.ts';
import { type UpstreamPool, type UpstreamUser, idleMsFrom } from './upstream-pool.ts';

const EMPTY = Buffer.alloc(0);
const CLIENT_CLOSED = 499;

/** A release as the proxy sees it: where it listens, and a count of requests in flight (for draining). */
export interface Upstream {
  readonly port: number;
  /** The release's version, as the router's errors name it. */
  readonly version: string;
  inFlight: number;
  /** Its own silence limit mid-exchange (each release keeps the settings it started with); else the proxy's. */
  readonly responseTimeoutMs?: number;
}

/** One request as the router saw it: its status (0 = no response from the release) and latency. */
/** How long each side may stay silent (see ClientConnection and Exchange.checkTimeouts). */
export interface ProxyTimeouts {
  idleMs: number;
  headersMs: number;
  upstreamMs: number;
}

export interface ProxyOutcome {
  status: number;
  latencyMs: number;
}

/** The client connection an exchange belongs to. */
export interface ExchangeOwner {
  readonly client: Socket;
  /** The client's address, read once per connection (socket.remoteAddress asks the socket each time). */
  readonly remoteAddress: string | undefined;
  readonly pool: UpstreamPool;
  /** Said once, when the exchange is over: whether the client connection may carry another request. */
  exchangeEnded(exchange: Exchange, keepClient: boolean): void;
  /** A 101 was passed on: client bytes now go through `exchange.tunnelData`. */
  tunnelOpened(exchange: Exchange): void;
  report(upstream: Upstream, outcome: ProxyOutcome): void;
}

/** Where a request goes: a release, and the sticky cookie to set (if any). */
export interface ExchangeTarget {
  upstream: Upstream;
  setCookie?: string;
}

/**
 * One request forwarded to a release and its response streamed back, bytes passing through as they are. A GET/HEAD
 * without a body whose reused keep-alive connection failed before any byte came back is retried once on a new one.
 */
export class Exchange implements UpstreamUser {
  readonly #owner: ExchangeOwner;
  readonly #upstream: Upstream;
  readonly #setCookie?: string;
  readonly #head: RequestHead;
  readonly #upstreamHead: string;
  readonly #started = performance.now();
  /** The last time bytes moved between the proxy and the release (performance.now()), for the silence timeouts. */
  #lastActivity = this.#started;
  readonly #retriable: boolean;
  readonly #keepAlive: boolean;
  #bodyLeft = 0;
  #requestChunks?: ChunkedBody;
  requestDone: boolean;
  #up?: Socket;
  #reused = false;
  #tries = 0;
  #gotBytes = false;
  #responseBuffer?: Buffer;
  #response?: { head: ResponseHead; framing: Framing; shape: ResponseShape; left: number; chunks?: ChunkedBody };
  #upReusable = true;
  #idleMs?: number;
  #waitingDrain = false;
  /** The client is paused until the release drains the request body written so far. */
  uploadWaitingDrain = false;
  #over = false;
  #reported = false;
  /** The protocol the client asked to switch to (`Connection: upgrade` + `Upgrade: websocket`), if it did. */
  readonly #upgrade?: string;
  /** After a 101: bytes pass both ways untouched until either side closes. */
  #tunnel = false;
  // The response head waits for the first body bytes, to go out with them in one write (one syscall, one packet).
  #heldHead?: string;

  constructor(owner: ExchangeOwner, target: ExchangeTarget, head: RequestHead, framing: Framing) {
    this.#owner = owner;
    this.#upstream = target.upstream;
    this.#setCookie = target.setCookie;
    this.#head = head;
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; its connection closes after it.
    this.#keepAlive = wantsKeepAlive(head) && !(head.minor === 0 && framing.kind === 'chunked');
    this.#upgrade = upgradeRequested(head);
    this.#retriable =
      (head.method === 'GET' || head.method === 'HEAD') && framing.kind === 'none' && this.#upgrade === undefined;
    // Bytes after an upgrade request wait (unread, as a pipelined request does) until the 101: never to a release that refused.
    this.requestDone = framing.kind === 'none';
    if (framing.kind === 'length') this.#bodyLeft = framing.length;
    if (framing.kind === 'chunked') this.#requestChunks = new ChunkedBody(400);
    this.#upstreamHead = upstreamRequestHead(head, framing, owner.remoteAddress, target.upstream.port, this.#upgrade);
    target.upstream.inFlight += 1;
    this.#connect(this.#upgrade !== undefined);
  }

  /** Takes request body bytes from the client; returns what follows the body (a pipelined request), if any. */
  requestBody(chunk: Buffer): Buffer | undefined {
    if (this.requestDone || this.#over) return chunk;
    let end: number;
    try {
      if (this.#requestChunks) end = this.#requestChunks.feed(chunk, 0);
      else {
        const take = Math.min(this.#bodyLeft, chunk.length);
        this.#bodyLeft -= take;
        end = this.#bodyLeft === 0 ? take : -1;
      }
    } catch (error) {
      this.#fail(error);
      return undefined;
    }
    this.#toRelease(end < 0 ? chunk : chunk.subarray(0, end));
    if (end < 0) return undefined;
    this.requestDone = true;
    return end < chunk.length ? chunk.subarray(end) : undefined;
  }

  /** Client bytes through an open tunnel. */
  tunnelData(chunk: Buffer): void {
    if (!this.#over) this.#toRelease(chunk);
  }

  #toRelease(body: Buffer): void {
    const up = this.#up;
    if (body.length === 0 || !up) return;
    this.#lastActivity = performance.now();
    if (up.write(body)) return;
    // Back-pressure: the client is paused until the release has taken what was written (one listener at a time).
    const { client } = this.#owner;
    client.pause();
    if (this.uploadWaitingDrain) return;
    this.uploadWaitingDrain = true;
    up.once('drain', () => {
      this.uploadWaitingDrain = false;
      if (this.#up === up && !this.#over) client.resume();
    });
  }

  /**
   * The sweep's check, blaming whoever is silent: a client that stopped reading the response is dropped after
   * `idleMs`; one that stopped sending its body gets 408 after `headersMs`; otherwise the release gets the request a
   * 504 after `upstreamMs`. Tunnels have no timeout.
   */
  checkTimeouts(now: number, { idleMs, headersMs, upstreamMs }: ProxyTimeouts): void {
    if (this.#tunnel || this.#over) return;
    const silentMs = now - this.#lastActivity;
    const seconds = Math.round(silentMs / 1000);
    if (this.#waitingDrain) {
      if (silentMs > idleMs) this.#owner.client.destroy();
    } else if (!this.requestDone && !this.uploadWaitingDrain && !this.#response) {
      if (silentMs > headersMs) this.#fail(new HttpError(408, `the request body stalled for ${seconds} s`));
    } else if (silentMs > (this.#upstream.responseTimeoutMs ?? upstreamMs))
      this.#fail(
        new HttpError(504, `gateway timeout: release ${this.#upstream.version} sent nothing for ${seconds} s`),
      );
  }

  /** Whether this exchange became a tunnel (a 101 was passed on): client bytes go through `tunnelData`. */
  get tunnelling(): boolean {
    return this.#tunnel;
  }

  /**
   * The client went away: the release's connection goes too (it may be mid-response). Counted with the release's
   * status when it had answered, else 499 (nginx's "client closed request"): the client's doing, not a release error.
   */
  clientGone(): void {
    if (this.#over) return;
    this.#over = true;
    this.#dropUpstream();
    this.#outcome(this.#response ? this.#response.head.status : CLIENT_CLOSED);
  }

  #connect(fresh = false): void {
    const { socket, reused } = this.#owner.pool.acquire(this.#upstream.port, this, fresh);
    this.#up = socket;
    this.#reused = reused;
    this.#gotBytes = false;
    socket.write(this.#upstreamHead, 'latin1');
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.#tunnel) {
      this.#writeClient(chunk);
      return;
    }
    this.#lastActivity = performance.now();
    this.#gotBytes = true;
    try {
      this.#readResponse(chunk);
    } catch (error) {
      this.#fail(error);
    }
    this.#flushHead();
  }

  #flushHead(): void {
    if (this.#heldHead !== undefined) this.#writeClient(EMPTY);
  }

  #readResponse(chunk: Buffer): void {
    if (this.#response) {
      this.#responseBody(chunk, 0);
      return;
    }
    const buf = this.#responseBuffer ? Buffer.concat([this.#responseBuffer, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const end = buf.indexOf(HEAD_END, from);
      if (end < 0 || end - from > MAX_HEAD_BYTES) {
        if (buf.length - from > MAX_HEAD_BYTES)
          throw new HttpError(
            502,
            `release ${this.#upstream.version} sent a response head over ${MAX_HEAD_BYTES} bytes`,
          );
        // A bare LF: the head would never end (CRLFCRLF); answered now rather than after the release timeout.
        if (hasBareLf(buf, from))
          throw new HttpError(502, `release ${this.#upstream.version} sent a response head with a bare LF`);
        this.#responseBuffer = Buffer.from(buf.subarray(from)); // a copy: `chunk` is the pool's shared read buffer
        return;
      }
      const head = parseResponseHead(buf.toString('latin1', from, end));
      from = end + 4;
      if (head.status >= 200) {
        this.#responseBuffer = undefined;
        this.#beginResponse(head);
        this.#responseBody(buf, from);
        return;
      }
      if (head.status === 101) {
        // Only when the client asked for it (Upgrade is otherwise hop-by-hop and never forwarded).
        if (this.#upgrade === undefined)
          throw new HttpError(502, `release ${this.#upstream.version} switched protocols unasked`);
        this.#switchProtocols(head, buf.subarray(from));
        return;
      }
      if (this.#head.minor === 1) this.#writeClient(Buffer.from(informationalHead(head), 'latin1'));
    }
  }

  /** A 101: the head goes to the client, and from now on bytes pass both ways as they are. */
  #switchProtocols(head: ResponseHead, rest: Buffer): void {
    this.#tunnel = true;
    this.#responseBuffer = undefined;
    this.#writeClient(Buffer.from(switchingProtocolsHead(head), 'latin1'));
    this.#writeClient(rest);
    this.#outcome(101);
    this.#owner.tunnelOpened(this);
  }

  #beginResponse(head: ResponseHead): void {
    const framing = responseFraming(head, this.#head.method);
    const dechunk = framing.kind === 'chunked' && this.#head.minor === 0;
    // A refused upgrade closes too: what the client sent after it was meant for another protocol.
    const close =
      !this.#keepAlive || framing.kind === 'close' || dechunk || !this.requestDone || this.#upgrade !== undefined;
    const shape: ResponseShape = {
      dechunk,
      close,
      keepAlive10: this.#head.minor === 0 && this.#keepAlive,
      setCookie: this.#setCookie,
    };
    // After an upgrade request the release's connection may be in any state: not reused.
    // An HTTP/1.0 answer keeps the connection only when it says keep-alive (and has no Transfer-Encoding, §6.1).
    const keepsAlive =
      head.minor === 1
        ? !head.connection.includes('close')
        : head.connection.includes('keep-alive') && !head.names.includes('transfer-encoding');
    this.#upReusable = framing.kind !== 'close' && keepsAlive && this.#upgrade === undefined;
    this.#idleMs = idleMsFrom(fieldValue(head, 'keep-alive'));
    this.#response = { head, framing, shape, left: framing.kind === 'length' ? framing.length : 0 };
    if (framing.kind === 'chunked') this.#response.chunks = new ChunkedBody(502);
    this.#heldHead = clientResponseHead(head, shape);
  }

  #responseBody(buf: Buffer, start: number): void {
    const response = this.#response!;
    const { framing } = response;
    if (framing.kind === 'close') {
      if (start < buf.length) this.#writeClient(buf.subarray(start));
      return;
    }
    let end = start;
    if (framing.kind === 'length') {
      const take = Math.min(response.left, buf.length - start);
      response.left -= take;
      if (take > 0) this.#writeClient(buf.subarray(start, start + take));
      end = response.left === 0 ? start + take : -1;
    } else if (framing.kind === 'chunked') {
      const decode = response.shape.dechunk ? (payload: Buffer) => this.#writeClient(payload) : undefined;
      end = response.chunks!.feed(buf, start, decode);
      if (!decode) this.#writeClient(buf.subarray(start, end < 0 ? buf.length : end));
    }
    if (end < 0) return;
    // Bytes after the response's end: the release misframed it; its connection is not reused.
    if (end < buf.length) this.#upReusable = false;
    this.#complete();
  }

  #writeClient(body: Buffer): void {
    const { client } = this.#owner;
    let data = body;
    if (this.#heldHead !== undefined) {
      const headBytes = this.#heldHead.length; // latin1: one byte per character
      data = Buffer.allocUnsafe(headBytes + body.length);
      data.write(this.#heldHead, 0, 'latin1');
      body.copy(data, headBytes);
      this.#heldHead = undefined;
    } else if (body.length > 0) data = Buffer.from(body); // a write may be queued: not the pool's shared read buffer
    if (data.length === 0 || client.destroyed) return;
    if (client.write(data) || this.#waitingDrain) return;
    const up = this.#up;
    if (!up) return;
    this.#waitingDrain = true;
    up.pause();
    client.once('drain', () => {
      this.#waitingDrain = false;
      this.#lastActivity = performance.now();
      if (this.#up === up && !this.#over) up.resume();
    });
  }

  onUpstreamEnd(): void {
    if (this.#tunnel) {
      this.#endTunnel();
      return;
    }
    if (this.#response?.framing.kind === 'close') {
      this.#upReusable = false;
      this.#complete();
      return;
    }
    this.onUpstreamFailure();
  }

  onUpstreamFailure(error?: unknown): void {
    if (this.#over) return;
    if (this.#tunnel) {
      this.#owner.client.destroy();
      this.#endTunnel();
      return;
    }
    // A reused keep-alive connection the release had closed: replay once, when that is safe.
    if (!this.#gotBytes && this.#reused && this.#retriable && this.#tries === 0) {
      this.#tries += 1;
      this.#dropUpstream();
      this.#connect(true);
      return;
    }
    const why = error instanceof Error ? error.message : 'it closed the connection';
    this.#fail(new HttpError(502, `bad gateway: release ${this.#upstream.version} did not answer (${why})`));
  }

  #complete(): void {
    if (this.#over) return;
    this.#over = true;
    this.#flushHead();
    const up = this.#up!;
    if (this.#upReusable && this.requestDone && !up.destroyed) {
      up.resume();
      this.#owner.pool.release(this.#upstream.port, up, this.#idleMs);
    } else this.#owner.pool.discard(up);
    this.#outcome(this.#response!.head.status);
    this.#owner.exchangeEnded(this, !this.#response!.shape.close);
  }

  /** Ends the exchange on an error: a 4xx/502 when nothing was sent to the client yet, else the connection is cut. */
  #fail(error: unknown): void {
    if (this.#over) return;
    this.#over = true;
    this.#dropUpstream();
    const { client } = this.#owner;
    const status = error instanceof HttpError ? error.status : 502;
    if ((!this.#response || this.#heldHead !== undefined) && !client.destroyed) {
      const message = error instanceof Error ? error.message : String(error);
      client.end(
        localResponse(status, { 'content-type': 'text/plain' }, `${message}\n`, {
          close: true,
          head: this.#head.method === 'HEAD',
        }),
      );
    } else client.destroy();
    // A client's malformed body is not the release's fault; anything else counts as no answer from it.
    this.#outcome(status < 500 ? status : 0);
    this.#owner.exchangeEnded(this, false);
  }

  /** The release closed its side of a tunnel: the client's connection ends too, after what is queued for it. */
  #endTunnel(): void {
    if (this.#over) return;
    this.#over = true;
    this.#dropUpstream();
    this.#owner.exchangeEnded(this, false);
  }

  /** Said once per exchange: a tunnel counts when it opens, not for as long as it stays open. */
  #outcome(status: number): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#upstream.inFlight -= 1;
    this.#owner.report(this.#upstream, { status, latencyMs: performance.now() - this.#started });
  }

  #dropUpstream(): void {
    if (this.#up) this.#owner.pool.discard(this.#up);
  }
}
