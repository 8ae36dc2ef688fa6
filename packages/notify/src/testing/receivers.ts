import { Writable } from 'node:stream';
import { Logger, configSchema } from '@pilot/core';

export { startReceiver, type Received } from '@pilot/core/testing';

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
