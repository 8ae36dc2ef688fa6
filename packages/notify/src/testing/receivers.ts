import { type IncomingHttpHeaders, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Logger, configSchema } from '@pilot/core';

export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on loopback that records every request and answers as `answer` says (per request number). */
export async function startReceiver(t: { after(fn: () => unknown): void }, answer: (n: number, res: ServerResponse) => void = (_n, res) => res.end('ok')) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A logger whose output is kept for assertions. */
export function recordingLogger(): { log: Logger; output: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { log: new Logger({ format: 'json', stream, minLevel: 'debug' }), output: () => text };
}

/** A validated config with one environment `staging` telling `channels` (defined by `notify`). */
export function configWith(notify: Record<string, unknown>, channels: string[]) {
  return configSchema.parse({
    service: { name: 'shop', dir: '.', start: ['node', 'server.js'] },
    environments: { staging: { port: 18080, notify: channels } },
    notify,
  });
}
