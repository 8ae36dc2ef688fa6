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
  /** The one Host field's value (two Host fields are refused), or undefined. */
  host: string | undefined;
  /** An absolute-form target's authority (`GET http://a.example/ …`): it replaces Host when forwarding. */
  authority: string | undefined;
}

export interface ResponseHead extends Head {
  statusLine: string;
  status: number;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
}

// tchar (RFC 9110 §5.6.2), as a lookup table: a regular expression per field line costs several times more.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;
function isWhitespace(code: number): boolean {
  return code === 32 || code === 9;
}

/** `value` without leading and trailing SP/HTAB (RFC 9110 OWS): never String.prototype.trim, which also strips NBSP. */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

// The characters of a URI authority (RFC 3986: unreserved, sub-delims, pct-encoded, `:` and IP-literal brackets;
// no `@`: userinfo is refused, RFC 9110 §4.2.4).
const AUTHORITY = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]%")
  AUTHORITY[c.charCodeAt(0)] = 1;
function isAuthority(value: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (AUTHORITY[value.charCodeAt(i)] !== 1) return false;
  return true;
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
    if (bad)
      throw new HttpError(
        status,
        `malformed header line from the ${from}: ${JSON.stringify(text.slice(pos, Math.min(eol, pos + 80)))}`,
      );
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
    if (token === 'content-length' || token === 'transfer-encoding' || token === 'host')
      throw new HttpError(status, `the ${from}'s Connection field names ${token}, which frames or routes the message`);
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
  // The target: visible characters only (no controls, no spaces of any kind), and no `#fragment` (never sent, RFC 9112 §3.2).
  for (let i = methodEnd + 1; ok && i < targetEnd; i++) {
    const code = text.charCodeAt(i);
    ok = code > 32 && code !== 127 && code !== 160 && code !== 35;
  }
  const minor = ok ? http1Minor(text, targetEnd + 1, eol) : -1;
  if (minor < 0) {
    const line = text.slice(0, eol);
    // Only a well-formed other version is 505; a trailing space or a bare LF after it is a malformed line.
    if (ok && /^HTTP\/\d\.\d$/.test(line.slice(targetEnd + 1)))
      throw new HttpError(505, `HTTP version not supported: ${JSON.stringify(line.slice(0, 80))}`);
    throw new HttpError(400, `malformed request line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const { names, offsets, connection } = parseFields(text, eol + 2, 'client', 400);
  const head: RequestHead = {
    text,
    names,
    offsets,
    connection,
    method: text.slice(0, methodEnd),
    target: text.slice(methodEnd + 1, targetEnd),
    minor,
    host: undefined,
    authority: undefined,
  };
  head.host = hostOf(head);
  if (text.charCodeAt(methodEnd + 1) !== 47) head.authority = authorityOf(head);
  // RFC 9112 §3.2.2 says the authority wins over Host; HAProxy refuses the mismatch, and so does the router (a
  // release or a cache reading the other one would route the request elsewhere).
  if (
    head.authority !== undefined &&
    head.host !== undefined &&
    head.authority.toLowerCase() !== head.host.toLowerCase()
  ) {
    throw new HttpError(
      400,
      `the Host field ${JSON.stringify(head.host)} differs from the target's authority ${JSON.stringify(head.authority)}`,
    );
  }
  return head;
}

/** The one Host field (RFC 9112 §3.2: more than one, or an invalid value, is a 400). */
function hostOf(head: RequestHead): string | undefined {
  const i = head.names.indexOf('host');
  if (i < 0) return undefined;
  if (head.names.indexOf('host', i + 1) >= 0) throw new HttpError(400, 'more than one Host field');
  const host = valueAt(head, i);
  if (!isAuthority(host, 0, host.length))
    throw new HttpError(400, `invalid Host: ${JSON.stringify(host.slice(0, 80))}`);
  return host;
}

/**
 * A target not in origin-form: `*` (OPTIONS only) has no authority; `http://authority/path` (absolute-form) gives its
 * authority, which the proxy sends as Host (RFC 9112 §3.2.2); anything else is refused.
 */
function authorityOf(head: RequestHead): string | undefined {
  const { target } = head;
  if (target === '*' && head.method === 'OPTIONS') return undefined;
  const lower = target.slice(0, 8).toLowerCase();
  const start = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : -1;
  let end = start;
  while (end > 0 && end < target.length && target[end] !== '/' && target[end] !== '?') end++;
  if (start < 0 || end === start || !isAuthority(target, start, end))
    throw new HttpError(400, `invalid request target: ${JSON.stringify(target.slice(0, 80))}`);
  return target.slice(start, end);
}

/** Parses a response head (without its final CRLFCRLF); a malformed one is the release's fault (502). */
export function parseResponseHead(text: string): ResponseHead {
  const eol = firstLineEnd(text);
  // `HTTP/1.x 200` or `HTTP/1.x 200 reason`, the reason without CR or LF.
  let ok =
    (eol === 12 || (eol > 12 && text.charCodeAt(12) === 32)) &&
    http1Minor(text, 0, 8) >= 0 &&
    text.charCodeAt(8) === 32;
  for (let i = 9; ok && i < 12; i++) ok = isDigit(text.charCodeAt(i));
  for (let i = 13; ok && i < eol; i++) ok = text.charCodeAt(i) !== 13 && text.charCodeAt(i) !== 10;
  // 100 to 999: a status below 100 is no status at all (not an informational one).
  ok &&= text.charCodeAt(9) !== 48;
  const statusLine = text.slice(0, eol);
  if (!ok)
    throw new HttpError(502, `malformed status line from the release: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const { names, offsets, connection } = parseFields(text, eol + 2, 'release', 502);
  return {
    text,
    names,
    offsets,
    connection,
    statusLine,
    status: Number(text.slice(9, 12)),
    minor: text.charCodeAt(7) - 48,
  };
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The trimmed value of field line `i`. */
export function valueAt(head: Head, i: number): string {
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
  for (let i = 0; i < head.names.length; i++)
    if (head.names[i] === name) out = out === undefined ? valueAt(head, i) : `${out}${separator}${valueAt(head, i)}`;
  return out;
}

/** Comma-separated tokens of a field, lower-cased (`Connection: close, X-Foo`), empty ones dropped. */
export function fieldTokens(head: Head, name: string): readonly string[] {
  const value = fieldList(head, name);
  if (!value) return NO_TOKENS;
  const lower = value.toLowerCase();
  return lower.includes(',') ? lower.split(',').map(trimOws).filter(Boolean) : [lower];
}

export const NO_TOKENS: readonly string[] = [];

/** Whether `buf` from `from` holds an LF not preceded by CR: a head that will never end in CRLFCRLF is refused at once. */
export function hasBareLf(buf: Buffer, from: number): boolean {
  for (let i = buf.indexOf(10, from); i >= 0; i = buf.indexOf(10, i + 1))
    if (i === from || buf[i - 1] !== 13) return true;
  return false;
}
