import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { DemoMetrics } from './metrics.ts';
import type { DemoOptions } from './options.ts';

// Paths counted under their own label; anything else is "other" so label cardinality stays bounded.
const KNOWN_PATHS = new Set(['/health/live', '/health/ready', '/metrics', '/api/hello']);

export interface DemoApp {
  server: Server;
  /** Stops accepting, marks not-ready, and resolves once in-flight requests have finished. */
  shutdown(): Promise<void>;
}

/** The demo HTTP service: health, readiness, Prometheus metrics and /api/hello, with injectable faults. */
export function createDemoApp(options: DemoOptions, random: () => number = Math.random): DemoApp {
  const metrics = new DemoMetrics();
  let draining = false;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('X-Release', options.version);
    if (draining) res.setHeader('Connection', 'close');
    const send = (status: number, body: unknown, type = 'application/json') => {
      const text = type === 'application/json' ? JSON.stringify(body) : String(body);
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
      // A keep-alive connection that goes idle while draining would hold server.close() open: close it now.
      if (draining) res.once('finish', () => server.closeIdleConnections());
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (path !== '/metrics') metrics.observe(KNOWN_PATHS.has(path) ? path : 'other', status, seconds);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed' });
    switch (path) {
      case '/health/live':
        return send(200, { status: 'ok', version: options.version });
      case '/health/ready':
        return options.ready && !draining
          ? send(200, { status: 'ready', version: options.version })
          : send(503, { status: draining ? 'draining' : 'not ready', version: options.version });
      case '/metrics':
        return send(200, metrics.render(options.version), 'text/plain; version=0.0.4; charset=utf-8');
      case '/api/hello':
        if (options.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        if (random() < options.errorRate) return send(500, { error: 'injected failure', version: options.version });
        return send(200, { service: 'demo-app', version: options.version, message: 'hello' });
      default:
        return send(404, { error: 'not found', path });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  // Keep-alive connections idle longer than a proxy's pool timeout would cause resets; keep the defaults explicit.
  server.keepAliveTimeout = 65_000;

  const shutdown = () =>
    new Promise<void>((resolve) => {
      draining = true;
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  return { server, shutdown };
}
