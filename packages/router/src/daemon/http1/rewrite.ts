import { STATUS_CODES } from 'node:http';
import type { Framing } from './framing.ts';
import { type Head, type RequestHead, type ResponseHead, fieldList, fieldValue } from './head.ts';

// What a field is to the router, as bits: which heads leave it out is a mask of these (see forwardedLines). One switch
// on the length per field line, not a Set (hashing every name costs more) nor a predicate passed in (a call per line
// through a parameter that sees several functions is never inlined).
/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded (Transfer-Encoding travels with its body). */
const HOP_BY_HOP = 1;
/**
 * Written by the router itself in a request: X-Forwarded-For (appended to), and the framing fields as one canonical
 * line each — `Content-Length: 5, 5` or `Transfer-Encoding: \tChunked` must not reach a release that reads them differently.
 */
const REWRITTEN = 2;
/** Replaced by an absolute-form target's authority. */
const HOST = 4;
/** Dropped when a chunked response is decoded for an HTTP/1.0 client. */
const TRANSFER_ENCODING = 8;

function fieldRole(name: string): number {
  switch (name.length) {
    case 2:
      return name === 'te' ? HOP_BY_HOP : 0;
    case 4:
      return name === 'host' ? HOST : 0;
    case 7:
      return name === 'trailer' || name === 'upgrade' ? HOP_BY_HOP : 0;
    case 10:
      return name === 'connection' || name === 'keep-alive' ? HOP_BY_HOP : 0;
    case 14:
      return name === 'content-length' ? REWRITTEN : 0;
    case 15:
      return name === 'x-forwarded-for' ? REWRITTEN : 0;
    case 16:
      return name === 'proxy-connection' ? HOP_BY_HOP : 0;
    case 17:
      return name === 'transfer-encoding' ? REWRITTEN | TRANSFER_ENCODING : 0;
    case 18:
      return name === 'proxy-authenticate' ? HOP_BY_HOP : 0;
    case 19:
      return name === 'proxy-authorization' ? HOP_BY_HOP : 0;
    default:
      return 0;
  }
}

/**
 * The field lines that may be forwarded (each with its CRLF): none whose role is in `dropped`, none named in
 * Connection. Runs of kept lines are copied from the received text in one slice each.
 */
function forwardedLines(head: Head, dropped: number): string {
  const { names, offsets, text, connection } = head;
  let out = '';
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if ((fieldRole(name) & dropped) !== 0 || (connection.length > 0 && connection.includes(name))) {
      if (runStart >= 0) out += `${text.slice(runStart, runEnd)}\r\n`;
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = offsets[4 * i];
    runEnd = offsets[4 * i + 1];
  }
  return runStart >= 0 ? `${out}${text.slice(runStart, runEnd)}\r\n` : out;
}

/** The protocol an upgrade request asks for (`Connection: upgrade` and `Upgrade: websocket`), else undefined. */
export function upgradeRequested(head: RequestHead): string | undefined {
  return head.minor === 1 && head.connection.includes('upgrade') ? fieldValue(head, 'upgrade') : undefined;
}

/**
 * The head sent to the release: HTTP/1.1, keep-alive, hop-by-hop fields dropped (but a requested upgrade), framing
 * in canonical form, Host from an absolute-form target, X-Forwarded-* added.
 */
export function upstreamRequestHead(
  head: RequestHead,
  framing: Framing,
  remoteAddress: string | undefined,
  upstreamPort: number,
  upgrade?: string,
): string {
  const { authority } = head;
  let out = `${head.method} ${head.target} HTTP/1.1\r\n${forwardedLines(head, HOP_BY_HOP | REWRITTEN | (authority === undefined ? 0 : HOST))}`;
  if (framing.kind === 'chunked') out += 'transfer-encoding: chunked\r\n';
  else if (framing.kind === 'length') out += `content-length: ${framing.length}\r\n`;
  else if (framing.kind === 'none' && framing.declared) out += 'content-length: 0\r\n';
  if (upgrade !== undefined) out += `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;
  const prior = fieldList(head, 'x-forwarded-for');
  out += `x-forwarded-for: ${prior ? `${prior}, ` : ''}${remoteAddress ?? ''}\r\n`;
  if (fieldValue(head, 'x-forwarded-proto') === undefined) out += 'x-forwarded-proto: http\r\n';
  if (authority !== undefined) out += `host: ${authority}\r\n`;
  const host = authority ?? head.host;
  if (host === undefined) out += `host: 127.0.0.1:${upstreamPort}\r\n`;
  else if (fieldValue(head, 'x-forwarded-host') === undefined) out += `x-forwarded-host: ${host}\r\n`;
  return `${out}\r\n`;
}

export interface ResponseShape {
  /** Decode a chunked body for an HTTP/1.0 client (which cannot read chunked). */
  dechunk: boolean;
  /** The client connection closes after this response. */
  close: boolean;
  /** An HTTP/1.0 client that asked for keep-alive. */
  keepAlive10: boolean;
  setCookie?: string;
}

/** A response's status line and the fields that may pass to the client. */
function forwardedResponseHead(head: ResponseHead, dropped = HOP_BY_HOP): string {
  return `${head.statusLine}\r\n${forwardedLines(head, dropped)}`;
}

/** The head sent to the client: hop-by-hop fields dropped, the sticky cookie added, and our own Connection. */
export function clientResponseHead(head: ResponseHead, shape: ResponseShape): string {
  let out = forwardedResponseHead(head, shape.dechunk ? HOP_BY_HOP | TRANSFER_ENCODING : HOP_BY_HOP);
  if (shape.setCookie) out += `set-cookie: ${shape.setCookie}\r\n`;
  if (shape.close) out += 'connection: close\r\n';
  else if (shape.keepAlive10) out += 'connection: keep-alive\r\n';
  return `${out}\r\n`;
}

/** A 101 passed to the client: the release's fields minus hop-by-hop ones, with the protocol it switched to. */
export function switchingProtocolsHead(head: ResponseHead): string {
  const protocol = fieldValue(head, 'upgrade');
  return `${forwardedResponseHead(head)}connection: upgrade\r\n${protocol === undefined ? '' : `upgrade: ${protocol}\r\n`}\r\n`;
}

/** An informational (1xx) head, forwarded as is minus hop-by-hop fields. */
export function informationalHead(head: ResponseHead): string {
  return `${forwardedResponseHead(head)}\r\n`;
}

/** A response the router writes itself (its health path, maintenance, 502/503, a refused request). */
export function localResponse(
  status: number,
  headers: Record<string, string>,
  body: string,
  options: { close: boolean; head: boolean },
): Buffer {
  const payload = Buffer.from(body);
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) out += `${name}: ${value}\r\n`;
  out += `content-length: ${payload.length}\r\n`;
  if (options.close) out += 'connection: close\r\n';
  out += '\r\n';
  return options.head ? Buffer.from(out, 'latin1') : Buffer.concat([Buffer.from(out, 'latin1'), payload]);
}
