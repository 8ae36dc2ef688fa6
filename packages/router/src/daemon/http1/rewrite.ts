import { STATUS_CODES } from 'node:http';
import { type RequestHead, type ResponseHead, fieldList, fieldValue } from './head.ts';

// RFC 9110 §7.6.1 hop-by-hop fields: meaningful for one connection only, never forwarded. Transfer-Encoding is
// hop-by-hop too, but the body passes through with the same framing, so it travels with it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

function forwardable(name: string, listed: readonly string[]): boolean {
  return !HOP_BY_HOP.has(name) && (listed.length === 0 || !listed.includes(name));
}

/** The head sent to the release: HTTP/1.1, keep-alive, hop-by-hop fields dropped, X-Forwarded-* added. */
export function upstreamRequestHead(head: RequestHead, remoteAddress: string | undefined, upstreamPort: number): string {
  let out = `${head.method} ${head.target} HTTP/1.1\r\n`;
  for (let i = 0; i < head.names.length; i++) {
    const name = head.names[i];
    if (name !== 'x-forwarded-for' && forwardable(name, head.connection)) out += `${head.lines[i]}\r\n`;
  }
  const prior = fieldList(head, 'x-forwarded-for');
  out += `x-forwarded-for: ${prior ? `${prior}, ` : ''}${remoteAddress ?? ''}\r\n`;
  if (fieldValue(head, 'x-forwarded-proto') === undefined) out += 'x-forwarded-proto: http\r\n';
  const host = fieldValue(head, 'host');
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

/** A response's status line and the fields that may pass to the client (hop-by-hop ones and `dropped` left out). */
function forwardedResponseHead(head: ResponseHead, dropped?: string): string {
  let out = `${head.statusLine}\r\n`;
  for (let i = 0; i < head.names.length; i++) {
    const name = head.names[i];
    if (name !== dropped && forwardable(name, head.connection)) out += `${head.lines[i]}\r\n`;
  }
  return out;
}

/** The head sent to the client: hop-by-hop fields dropped, the sticky cookie added, and our own Connection. */
export function clientResponseHead(head: ResponseHead, shape: ResponseShape): string {
  let out = forwardedResponseHead(head, shape.dechunk ? 'transfer-encoding' : undefined);
  if (shape.setCookie) out += `set-cookie: ${shape.setCookie}\r\n`;
  if (shape.close) out += 'connection: close\r\n';
  else if (shape.keepAlive10) out += 'connection: keep-alive\r\n';
  return `${out}\r\n`;
}

/** An informational (1xx) head, forwarded as is minus hop-by-hop fields. */
export function informationalHead(head: ResponseHead): string {
  return `${forwardedResponseHead(head)}\r\n`;
}

/** A response the router writes itself (its health path, maintenance, 502/503, a refused request). */
export function localResponse(status: number, headers: Record<string, string>, body: string, options: { close: boolean; head: boolean }): Buffer {
  const payload = Buffer.from(body);
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) out += `${name}: ${value}\r\n`;
  out += `content-length: ${payload.length}\r\n`;
  if (options.close) out += 'connection: close\r\n';
  out += '\r\n';
  return options.head ? Buffer.from(out, 'latin1') : Buffer.concat([Buffer.from(out, 'latin1'), payload]);
}
