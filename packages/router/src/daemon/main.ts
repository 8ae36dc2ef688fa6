// The router daemon: `node <compiled main> <routerDir>` (started by `pilot router start`, which writes router.json first).
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:net';
import { readSettings, routerFiles } from '../config.ts';
import { adminHandler } from './admin.ts';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, createProxyServer } from './proxy.ts';
import { Router, newToken } from './router.ts';

const routerDir = process.argv[2];
const files = routerFiles(routerDir);
const settings = await readSettings(routerDir);
const log = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', event, ...fields })}\n`);

// The token is created once, readable only by its owner; clients read it from the file.
const token = existsSync(files.token) ? (await readFile(files.token, 'utf8')).trim() : newToken();
await writeFile(files.token, token, { mode: 0o600 });

const router = new Router(routerDir, settings);
const { server: proxy, closeAllConnections } = createProxyServer(
  router,
  { ...DEFAULT_TIMEOUTS, upstreamMs: settings.responseTimeoutMs ?? DEFAULT_TIMEOUTS.upstreamMs },
  {
    ...DEFAULT_LIMITS,
    maxConnections: settings.maxConnections ?? DEFAULT_LIMITS.maxConnections,
    onConnectionLimit: (maxConnections) =>
      log('router.max-connections', { maxConnections, message: `${maxConnections} client connections open: new ones are closed unanswered until some end` }),
  },
);
let stopping = false;
const shutdown = async (reason: string) => {
  if (stopping) return;
  stopping = true;
  log('router.stopping', { reason });
  proxy.close();
  admin.close();
  closeAllConnections();
  await router.stopAll();
  await rm(files.pid, { force: true });
  log('router.stopped');
  process.exit(0);
};
const admin = createServer(adminHandler(router, token, () => void shutdown('admin shutdown')));

const listen = (server: Server, port: number, what: string) =>
  new Promise<void>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`router: cannot listen on 127.0.0.1:${port} for ${what}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}\n`);
      process.exit(3);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
await listen(proxy, settings.port, 'traffic');
await listen(admin, settings.adminPort, 'the admin API');
await router.restore();
await writeFile(files.pid, String(process.pid));
log('router.listening', { port: settings.port, adminPort: settings.adminPort, env: settings.envName });

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
