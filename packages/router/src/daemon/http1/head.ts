// HTTP/1.1 message heads (RFC 9112), parsed strictly: whatever is ambiguous to a proxy (the request-smuggling
// shapes) is refused rather than guessed.

/** Node's own limit for a head, so a release never receives a head it would refuse itself. */
export const MAX_HEAD_BYTES = 16 * 1024;
export const HEAD_END = Buffer.from('\r\n\r\n');

/** A message the proxy refuses, with the status to answer (400, 431, 501, 505) or 502 for a release's answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One head as received (latin1, without its final CRLFCRLF) and where its field lines are: offsets, not strings,
 * because most lines are forwarded untouched and only a few values are ever read.
 */
export interface Head {
  text: string;
  /** Field names, lower-cased. */
  names: string[];
  /** Four numbers per field line: where the line starts and ends, where its value (trimmed) starts and ends. */
  offsets: number[];
  /** The Connection field's tokens, lower-cased (read several times per exchange). */
  connection: readonly string[];
}

export interface RequestHead extends Head {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
}

export interface ResponseHead extends Head {
  statusLine: string;
  status: number;
}

// tchar (RFC 9110 §5.6.2), as a lookup table: a regular expression per field line costs several times more.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
function isWhitespace(code: number): boolean {
  return code === 32 || code === 9;
}

/** The field lines of `text` from `pos`: a token name, a colon, a value without control characters. */
function parseFields(text: string, pos: number, from: string, status: number): Head {
  const names: string[] = [];
  const offsets: number[] = [];
  while (pos < text.length) {
    let eol = text.indexOf('\r\n', pos);
    if (eol < 0) eol = text.length;
    let colon = pos;
    while (colon < eol && TCHAR[text.charCodeAt(colon)] === 1) colon++;
    let bad = colon === pos || text.charCodeAt(colon) !== 58;
    // No colon, `Host : x`, obs-fold continuation lines, bare LF, NUL and other controls: all refused.
    for (let i = colon + 1; !bad && i < eol; i++) {
      const code = text.charCodeAt(i);
      bad = (code < 32 && code !== 9) || code === 127;
    }
    if (bad) throw new HttpError(status, `malformed header line from the ${from}: ${JSON.stringify(text.slice(pos, Math.min(eol, pos + 80)))}`);
    let start = colon + 1;
    let end = eol;
    while (start < end && isWhitespace(text.charCodeAt(start))) start++;
    while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
    names.push(text.slice(pos, colon).toLowerCase());
    offsets.push(pos, eol, start, end);
    pos = eol + 2;
  }
  const head: Head = { text, names, offsets, connection: NO_TOKENS };
  head.connection = fieldTokens(head, 'connection');
  // Fields named in Connection are dropped on forwarding: never the ones that frame or route the message, or the
  // next hop would frame it differently (request smuggling).
  for (const token of head.connection) {
    if (token === 'content-length' || token === 'transfer-encoding' || token === 'host') throw new HttpError(status, `the ${from}'s Connection field names ${token}, which frames or routes the message`);
  }
  return head;
}

function firstLineEnd(text: string): number {
  const eol = text.indexOf('\r\n');
  return eol < 0 ? text.length : eol;
}

/** `HTTP/1.0` or `HTTP/1.1` at `at`, ending the line at `end`: the minor version, else -1. */
function http1Minor(text: string, at: number, end: number): number {
  if (end - at !== 8 || !text.startsWith('HTTP/1.', at)) return -1;
  const minor = text.charCodeAt(at + 7) - 48;
  return minor === 0 || minor === 1 ? minor : -1;
}

/** Parses a request head (without its final CRLFCRLF): `method SP request-target SP HTTP/1.x`, by hand (a regex costs more). */
export function parseRequestHead(text: string): RequestHead {
  const eol = firstLineEnd(text);
  const methodEnd = text.indexOf(' ');
  let ok = methodEnd > 0 && methodEnd < eol;
  for (let i = 0; ok && i < methodEnd; i++) ok = TCHAR[text.charCodeAt(i)] === 1;
  const targetEnd = ok ? text.indexOf(' ', methodEnd + 1) : -1;
  ok = targetEnd > methodEnd + 1 && targetEnd < eol;
  // The target: visible characters only (no controls, no spaces of any kind).
  for (let i = methodEnd + 1; ok && i < targetEnd; i++) {
    const code = text.charCodeAt(i);
    ok = code > 32 && code !== 127 && code !== 160;
  }
  const minor = ok ? http1Minor(text, targetEnd + 1, eol) : -1;
  if (minor < 0) {
    const line = text.slice(0, eol);
    if (ok && /^HTTP\/\d/.test(line.slice(targetEnd + 1))) throw new HttpError(505, `HTTP version not supported: ${JSON.stringify(line.slice(0, 80))}`);
    throw new HttpError(400, `malformed request line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const { names, offsets, connection } = parseFields(text, eol + 2, 'client', 400);
  return { text, names, offsets, connection, method: text.slice(0, methodEnd), target: text.slice(methodEnd + 1, targetEnd), minor };
}

/** Parses a response head (without its final CRLFCRLF); a malformed one is the release's fault (502). */
export function parseResponseHead(text: string): ResponseHead {
  const eol = firstLineEnd(text);
  // `HTTP/1.x 200` or `HTTP/1.x 200 reason`, the reason without CR or LF.
  let ok = (eol === 12 || (eol > 12 && text.charCodeAt(12) === 32)) && http1Minor(text, 0, 8) >= 0 && text.charCodeAt(8) === 32;
  for (let i = 9; ok && i < 12; i++) ok = isDigit(text.charCodeAt(i));
  for (let i = 13; ok && i < eol; i++) ok = text.charCodeAt(i) !== 13 && text.charCodeAt(i) !== 10;
  const statusLine = text.slice(0, eol);
  if (!ok) throw new HttpError(502, `malformed status line from the release: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const { names, offsets, connection } = parseFields(text, eol + 2, 'release', 502);
  return { text, names, offsets, connection, statusLine, status: Number(text.slice(9, 12)) };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The trimmed value of field line `i`. */
function valueAt(head: Head, i: number): string {
  return head.text.slice(head.offsets[4 * i + 2], head.offsets[4 * i + 3]);
}

/** The first value of a field, or undefined. */
export function fieldValue(head: Head, name: string): string | undefined {
  const i = head.names.indexOf(name);
  return i < 0 ? undefined : valueAt(head, i);
}

/** All values of a field joined (`a, b`), or undefined when absent. */
export function fieldList(head: Head, name: string, separator = ', '): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < head.names.length; i++) if (head.names[i] === name) out = out === undefined ? valueAt(head, i) : `${out}${separator}${valueAt(head, i)}`;
  return out;
}

/** Comma-separated tokens of a field, lower-cased (`Connection: close, X-Foo`). */
function fieldTokens(head: Head, name: string): readonly string[] {
  const value = fieldList(head, name);
  if (!value) return NO_TOKENS;
  const lower = value.toLowerCase();
  return lower.includes(',') ? lower.split(',').map((s) => s.trim()).filter(Boolean) : [lower];
}

const NO_TOKENS: readonly string[] = [];

/** How a message's body is delimited (RFC 9112 §6.3). */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** 1 to 15 decimal digits (a safe integer). */
function isLength(value: string): boolean {
  if (value.length === 0 || value.length > 15) return false;
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

function contentLength(head: Head, status: number, from: string): number | undefined {
  let value: string | undefined;
  for (let i = 0; i < head.names.length; i++) {
    if (head.names[i] !== 'content-length') continue;
    // `Content-Length: 5, 5` (or twice the same) is allowed; differing values are the classic smuggling vector.
    const raw = valueAt(head, i);
    if (value === undefined && isLength(raw)) {
      value = raw;
      continue;
    }
    for (const part of raw.split(',')) {
      const v = part.trim();
      if (!isLength(v) || (value !== undefined && v !== value)) throw new HttpError(status, `invalid Content-Length from the ${from}: ${JSON.stringify(fieldList(head, 'content-length'))}`);
      value = v;
    }
  }
  return value === undefined ? undefined : Number(value);
}

function isChunked(head: Head, status: number, from: string): boolean | undefined {
  const codings = fieldTokens(head, 'transfer-encoding');
  if (codings.length === 0) return undefined;
  if (fieldValue(head, 'content-length') !== undefined) throw new HttpError(status, `the ${from} sent both Transfer-Encoding and Content-Length`);
  if (codings.slice(0, -1).includes('chunked')) throw new HttpError(status, `chunked applied twice in Transfer-Encoding from the ${from}`);
  return codings.at(-1) === 'chunked';
}

export function requestFraming(head: RequestHead): Framing {
  const chunked = isChunked(head, 400, 'client');
  if (chunked === false) throw new HttpError(400, 'a request Transfer-Encoding must end with chunked');
  if (chunked) return { kind: 'chunked' };
  const length = contentLength(head, 400, 'client');
  return length ? { kind: 'length', length } : { kind: 'none' };
}

export function responseFraming(head: ResponseHead, requestMethod: string): Framing {
  if (requestMethod === 'HEAD' || head.status < 200 || head.status === 204 || head.status === 304) return { kind: 'none' };
  const chunked = isChunked(head, 502, 'release');
  if (chunked !== undefined) return chunked ? { kind: 'chunked' } : { kind: 'close' };
  const length = contentLength(head, 502, 'release');
  if (length === undefined) return { kind: 'close' };
  return length ? { kind: 'length', length } : { kind: 'none' };
}

/** Whether the client wants its connection kept open after this exchange (HTTP/1.1 unless `close`; 1.0 only if asked). */
export function wantsKeepAlive(head: RequestHead): boolean {
  return head.minor === 1 ? !head.connection.includes('close') : head.connection.includes('keep-alive');
}
