import { HttpError, MAX_HEAD_BYTES } from './head.ts';

const LF = 10;
// RFC 9112 §7.1.1 with no leniency: hex digits, then `;name` or `;name=token` or `;name="quoted"` extensions. No
// whitespace (BWS), no control bytes: a size line the next hop might read differently is refused, not forwarded.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SIZE_LINE = new RegExp(
  `^([0-9a-fA-F]{1,12})(?:;${TOKEN}(?:=(?:${TOKEN}|"(?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*"))?)*$`,
);
// A trailer field line: a token, a colon, a value without controls; never one that frames or routes the message.
const TRAILER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*$/;
const FRAMING_TRAILER = /^(?:content-length|transfer-encoding|host)\s*:/i;
const MAX_LINE = 4096;

/**
 * Follows a chunked body (RFC 9112 §7.1) through the bytes that pass by, to know where it ends; the bytes are
 * forwarded as they are, or, for an HTTP/1.0 client, decoded to the payload (`onData`).
 */
export class ChunkedBody {
  #state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  #line = '';
  #remaining = 0;
  #trailerBytes = 0;
  readonly #errorStatus: number;

  /** `errorStatus`: 400 when the client sent it, 502 when a release did. */
  constructor(errorStatus: number) {
    this.#errorStatus = errorStatus;
  }

  /** Reads `buf` from `start`; returns the index just past the body's end, or -1 when the body goes on. */
  feed(buf: Buffer, start: number, onData?: (payload: Buffer) => void): number {
    let i = start;
    while (i < buf.length) {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, buf.length - i);
        onData?.(buf.subarray(i, i + take));
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      const byte = buf[i++];
      if (byte !== LF) {
        if (this.#line.length >= MAX_LINE) this.#fail('a chunk line is too long');
        this.#line += String.fromCharCode(byte);
        continue;
      }
      if (!this.#line.endsWith('\r')) this.#fail('a chunk line does not end with CRLF');
      const line = this.#line.slice(0, -1);
      this.#line = '';
      if (this.#state === 'data-end') {
        if (line !== '') this.#fail('chunk data is longer than its size');
        this.#state = 'size';
      } else if (this.#state === 'size') {
        const match = SIZE_LINE.exec(line);
        if (!match) this.#fail(`invalid chunk size line ${JSON.stringify(line.slice(0, 40))}`);
        this.#remaining = Number.parseInt(match![1], 16);
        this.#state = this.#remaining === 0 ? 'trailer' : 'data';
      } else {
        if (line === '') return i;
        if (!TRAILER_LINE.test(line) || FRAMING_TRAILER.test(line))
          this.#fail(`invalid trailer line ${JSON.stringify(line.slice(0, 40))}`);
        this.#trailerBytes += line.length;
        if (this.#trailerBytes > MAX_HEAD_BYTES) this.#fail('the trailer section is too large');
      }
    }
    return -1;
  }

  #fail(why: string): never {
    throw new HttpError(this.#errorStatus, `malformed chunked body: ${why}`);
  }
}
