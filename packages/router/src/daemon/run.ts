import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:net';
import { readSettings, routerFiles } from '../config.ts';
import { adminHandler, tokenCheck } from './admin.ts';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, createProxyServer } from './proxy.ts';
import { identityOf } from './process-identity.ts';
import { Router, newToken } from './router.ts';
import { createDaemonUi } from './ui.ts';

/** A port the router cannot listen on: it exits 3 (refused) with this message. */
export class ListenError extends Error {
  readonly exitCode = 3;
}

/**
 * Runs the router of `<routerDir>` in this process until it is told to stop (admin shutdown, or `signal`); resolves
 * once its releases are stopped and it no longer listens. Log lines (JSON) go to `write`.
 */
export async function runDaemon(
  routerDir: string,
  o: { signal: AbortSignal; write?: (line: string) => void },
): Promise<void> {
  const files = routerFiles(routerDir);
  const settings = await readSettings(routerDir);
  const write = o.write ?? ((line: string) => process.stdout.write(line));
  const log = (event: string, fields: Record<string, unknown> = {}) =>
    write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', event, ...fields })}\n`);

  // The token is created once, readable only by its owner; clients read it from the file.
  const token = existsSync(files.token) ? (await readFile(files.token, 'utf8')).trim() : newToken();
  await writeFile(files.token, token, { mode: 0o600 });

  const router = new Router(routerDir, settings, log);
  const { server: proxy, closeAllConnections } = createProxyServer(
    router,
    { ...DEFAULT_TIMEOUTS, upstreamMs: settings.responseTimeoutMs ?? DEFAULT_TIMEOUTS.upstreamMs },
    {
      ...DEFAULT_LIMITS,
      maxConnections: settings.maxConnections ?? DEFAULT_LIMITS.maxConnections,
      onConnectionLimit: (maxConnections) =>
        log('router.max-connections', {
          maxConnections,
          message: `${maxConnections} client connections open: new ones are closed unanswered until some end`,
        }),
    },
  );
  let stopped: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log('router.stopping', { reason });
    proxy.close();
    ui.close();
    admin.close();
    closeAllConnections();
    await router.stopAll();
    await rm(files.pid, { force: true });
    log('router.stopped');
    stopped();
  };
  const ui = createDaemonUi(router, tokenCheck(token), log);
  const admin = createServer(adminHandler(router, token, () => void shutdown('admin shutdown'), ui));

  const listen = (server: Server, port: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        proxy.close();
        admin.close();
        reject(
          new ListenError(
            `router: cannot listen on 127.0.0.1:${port} for ${what}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`,
          ),
        );
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen(proxy, settings.port, 'traffic');
  await listen(admin, settings.adminPort, 'the admin API');
  await router.restore();
  // The start time beside the pid: a client never takes a later process with this pid for the router.
  await writeFile(files.pid, `${process.pid} ${identityOf(process.pid)?.startTime ?? ''}\n`);
  log('router.listening', {
    port: settings.port,
    adminPort: settings.adminPort,
    env: settings.envName,
    pid: process.pid,
  });

  if (o.signal.aborted) void shutdown(String(o.signal.reason ?? 'signal'));
  o.signal.addEventListener('abort', () => void shutdown(String(o.signal.reason ?? 'signal')), { once: true });
  await done;
}
