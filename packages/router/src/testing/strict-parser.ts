// A deliberately strict HTTP/1.1 request parser (RFC 9112 with no leniency), standing for a release behind the
// proxy: whatever the proxy forwards must read here as exactly the requests the proxy meant to send.

/** One request as the strict parser read it. */
export interface SeenRequest {
  method: string;
  target: string;
  /** Field lines in order, names lower-cased, values without surrounding SP/HTAB. */
  fields: [string, string][];
  body: Buffer;
}

/** What a connection's bytes hold: complete requests, a head whose body is still incomplete, or an error. */
export interface StrictReading {
  requests: SeenRequest[];
  /** A head was read but its body has not fully arrived. */
  partialHead: boolean;
  error?: string;
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/1\.[01]$/;
const FIELD_LINE =
  /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*((?:[\x21-\x7e\x80-\xff](?:[\x20-\x7e\x80-\xff\t]*[\x21-\x7e\x80-\xff])?)?)[ \t]*$/;
const CHUNK_SIZE =
  /^([0-9a-fA-F]{1,12})(?:;[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;

class Refused extends Error {}

/** Reads every request in `buf` (one connection's bytes from its start); stops at the first deviation. */
export function readStrictRequests(buf: Buffer): StrictReading {
  const requests: SeenRequest[] = [];
  let pos = 0;
  try {
    while (pos < buf.length) {
      const end = buf.indexOf('\r\n\r\n', pos);
      if (end < 0) {
        checkNoBareLineBreaks(buf.toString('latin1', pos));
        return { requests, partialHead: false, error: undefined };
      }
      const text = buf.toString('latin1', pos, end);
      checkNoBareLineBreaks(text);
      const [line, ...lines] = text.split('\r\n');
      const match = REQUEST_LINE.exec(line);
      if (!match) throw new Refused(`request line ${JSON.stringify(line)}`);
      const fields = lines.map((l): [string, string] => {
        const m = FIELD_LINE.exec(l);
        if (!m) throw new Refused(`field line ${JSON.stringify(l)}`);
        return [m[1].toLowerCase(), m[2]];
      });
      const named = (name: string) => fields.filter(([n]) => n === name).map(([, v]) => v);
      if (named('host').length !== 1) throw new Refused(`${named('host').length} Host fields`);
      const te = named('transfer-encoding');
      const cl = named('content-length');
      if (te.length > 0 && cl.length > 0) throw new Refused('Transfer-Encoding with Content-Length');
      if (te.length > 1 || (te.length === 1 && te[0].toLowerCase() !== 'chunked'))
        throw new Refused(`Transfer-Encoding ${JSON.stringify(te)}`);
      if (cl.length > 1 || (cl.length === 1 && !/^\d{1,15}$/.test(cl[0])))
        throw new Refused(`Content-Length ${JSON.stringify(cl)}`);
      pos = end + 4;
      const body = te.length === 1 ? readChunked(buf, pos) : { end: pos + Number(cl[0] ?? 0), data: undefined };
      if (body === undefined || body.end > buf.length) return { requests, partialHead: true };
      requests.push({ method: match[1], target: match[2], fields, body: body.data ?? buf.subarray(pos, body.end) });
      pos = body.end;
    }
    return { requests, partialHead: false };
  } catch (error) {
    if (error instanceof Refused) return { requests, partialHead: false, error: error.message };
    throw error;
  }
}

function checkNoBareLineBreaks(text: string): void {
  if (/\r(?!\n)|(?<!\r)\n/.test(text)) throw new Refused(`a bare CR or LF in ${JSON.stringify(text.slice(0, 80))}`);
}

/** A chunked body from `pos`: its end and payload, or undefined while incomplete. */
function readChunked(buf: Buffer, start: number): { end: number; data: Buffer } | undefined {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const line = buf.toString('latin1', pos, eol);
    checkNoBareLineBreaks(line);
    const m = CHUNK_SIZE.exec(line);
    if (!m) throw new Refused(`chunk size line ${JSON.stringify(line)}`);
    const size = Number.parseInt(m[1], 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > buf.length) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    if (buf.toString('latin1', pos + size, pos + size + 2) !== '\r\n')
      throw new Refused('chunk data longer than its size');
    pos += size + 2;
  }
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const line = buf.toString('latin1', pos, eol);
    pos = eol + 2;
    if (line === '') return { end: pos, data: Buffer.concat(parts) };
    checkNoBareLineBreaks(line);
    const m = FIELD_LINE.exec(line);
    if (!m) throw new Refused(`trailer line ${JSON.stringify(line)}`);
    if (/^(content-length|transfer-encoding|host)$/i.test(m[1]))
      throw new Refused(`framing field ${m[1]} in the trailers`);
  }
}

/** The values of one field of a request. */
export function fieldValues(request: SeenRequest, name: string): string[] {
  return request.fields.filter(([n]) => n === name).map(([, v]) => v);
}
