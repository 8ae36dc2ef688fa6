// Entry point of the demo service: `node dist/server.js` (PORT, PILOT_RELEASE, ERROR_RATE, LATENCY_MS, READY, CRASH_AFTER_MS).
import { readFileSync } from 'node:fs';
import { createDemoApp } from './app.ts';
import { readOptions } from './options.ts';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let options: ReturnType<typeof readOptions>;
try {
  options = readOptions(process.env, packageVersion);
} catch (error) {
  console.error(`demo-app: ${(error as Error).message}`);
  process.exit(2);
}

const app = createDemoApp(options);
app.server.listen(options.port, options.host, () => {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  console.log(
    JSON.stringify({ ts: new Date().toISOString(), level: 'info', event: 'listening', port, version: options.version }),
  );
});
app.server.on('error', (error) => {
  console.error(`demo-app: cannot listen on ${options.host}:${options.port}: ${error.message}`);
  process.exit(1);
});

if (options.crashAfterMs !== undefined) {
  setTimeout(() => {
    console.error(
      JSON.stringify({ ts: new Date().toISOString(), level: 'error', event: 'crash', reason: 'CRASH_AFTER_MS' }),
    );
    process.exit(1);
  }, options.crashAfterMs).unref();
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Finish in-flight requests, then exit; a stuck client cannot hold the process forever.
    setTimeout(() => process.exit(0), 10_000).unref();
    app.shutdown().then(() => process.exit(0));
  });
}
