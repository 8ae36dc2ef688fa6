// How a message's body is delimited (RFC 9112 §6.3), decided strictly: a request the next hop could frame any
// other way than the router does is refused, since that difference is what request smuggling lives on.
import {
  type Head,
  HttpError,
  type RequestHead,
  type ResponseHead,
  fieldList,
  fieldTokens,
  isDigit,
  trimOws,
  valueAt,
} from './head.ts';

/** How a message's body is delimited. `declared`: a `Content-Length: 0` that is forwarded as such. */
export type Framing =
  | { kind: 'none'; declared?: true }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'close' };

// Shared: framing objects are never mutated, and most messages are one of these.
const NO_BODY: Framing = { kind: 'none' };
const EMPTY_BODY: Framing = { kind: 'none', declared: true };
const CHUNKED: Framing = { kind: 'chunked' };
const CLOSE: Framing = { kind: 'close' };

/** 1 to 15 decimal digits (a safe integer). */
function isLength(value: string): boolean {
  if (value.length === 0 || value.length > 15) return false;
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

/**
 * The Content-Length, or undefined. `5, 5` or the same value twice is one length (RFC 9110 §8.6) when `lists` is
 * allowed — the request is forwarded with one canonical line — else refused; differing values are the classic
 * smuggling vector, and anything but digits (`+5`, `5\xa0`) is refused too.
 */
function contentLength(head: Head, status: number, from: string, lists: boolean): number | undefined {
  let value: string | undefined;
  for (let i = 0; i < head.names.length; i++) {
    if (head.names[i] !== 'content-length') continue;
    const raw = valueAt(head, i);
    if (value === undefined && isLength(raw)) {
      value = raw;
      continue;
    }
    const parts = lists ? raw.split(',') : [];
    if (parts.length === 0) throw invalidLength(head, status, from);
    for (const part of parts) {
      const v = trimOws(part);
      if (!isLength(v) || (value !== undefined && v !== value)) throw invalidLength(head, status, from);
      value = v;
    }
  }
  return value === undefined ? undefined : Number(value);
}

function invalidLength(head: Head, status: number, from: string): HttpError {
  return new HttpError(
    status,
    `invalid Content-Length from the ${from}: ${JSON.stringify(fieldList(head, 'content-length'))}`,
  );
}

/**
 * A request is chunked only with exactly one `Transfer-Encoding: chunked` line (any case, SP/HTAB around). Lists
 * (`identity, chunked`), empty values, two lines and other codings are 400 (RFC 9112 §6.1): a release that honours
 * only an exact `chunked` would read the body as further requests.
 */
function requestChunked(head: RequestHead): boolean {
  const i = head.names.indexOf('transfer-encoding');
  if (i < 0) return false;
  const value = valueAt(head, i);
  if (head.names.indexOf('transfer-encoding', i + 1) >= 0 || value.length !== 7 || value.toLowerCase() !== 'chunked') {
    throw new HttpError(
      400,
      `a request's Transfer-Encoding must be exactly one "chunked", got ${JSON.stringify(fieldList(head, 'transfer-encoding'))}`,
    );
  }
  if (head.names.includes('content-length'))
    throw new HttpError(400, 'the client sent both Transfer-Encoding and Content-Length');
  return true;
}

export function requestFraming(head: RequestHead): Framing {
  if (requestChunked(head)) return CHUNKED;
  const length = contentLength(head, 400, 'client', true);
  return length ? { kind: 'length', length } : length === 0 ? EMPTY_BODY : NO_BODY;
}

export function responseFraming(head: ResponseHead, requestMethod: string): Framing {
  if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return NO_BODY;
  if (head.names.includes('transfer-encoding')) {
    const codings = fieldTokens(head, 'transfer-encoding');
    // An empty or comma-only Transfer-Encoding is not "absent": the release framed its answer some way we cannot tell.
    if (codings.length === 0) throw new HttpError(502, 'the release sent an empty Transfer-Encoding');
    if (head.names.includes('content-length'))
      throw new HttpError(502, 'the release sent both Transfer-Encoding and Content-Length');
    if (codings.slice(0, -1).includes('chunked'))
      throw new HttpError(502, 'chunked applied twice in Transfer-Encoding from the release');
    return codings.at(-1) === 'chunked' ? CHUNKED : CLOSE;
  }
  // A response's length is passed on as received: only one plain value is accepted.
  const length = contentLength(head, 502, 'release', false);
  if (length === undefined) return CLOSE;
  return length ? { kind: 'length', length } : NO_BODY;
}

/** Whether the client wants its connection kept open after this exchange (HTTP/1.1 unless `close`; 1.0 only if asked). */
export function wantsKeepAlive(head: RequestHead): boolean {
  return head.minor === 1 ? !head.connection.includes('close') : head.connection.includes('keep-alive');
}
