import { Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, request } from 'node:http';
import type { ReleaseProcess } from './release-process.ts';

// RFC 9110 §7.6.1 hop-by-hop fields: meaningful for one connection only, never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

// One keep-alive pool for all upstreams (keyed by port inside the agent).
const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, keepAliveMsecs: 10_000, scheduling: 'lifo' });

function forwardHeaders(headers: IncomingHttpHeaders, remote: string | undefined, extra: Record<string, string>): IncomingHttpHeaders {
  const listed = headers.connection ? String(headers.connection).toLowerCase().split(',').map((s) => s.trim()) : [];
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!HOP_BY_HOP.has(name) && !listed.includes(name)) out[name] = headers[name];
  }
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${prior}, ${remote ?? ''}` : (remote ?? '');
  out['x-forwarded-proto'] ??= 'http';
  if (headers.host) out['x-forwarded-host'] ??= headers.host;
  return Object.assign(out, extra);
}

function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = headers.connection ? String(headers.connection).toLowerCase().split(',').map((s) => s.trim()) : [];
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name) && !listed.includes(name)) out[name] = headers[name];
  return out;
}

export interface ProxyOutcome {
  status: number;
  latencyMs: number;
}

/**
 * Streams one request to a release and its answer back. A GET/HEAD that fails before any byte came back
 * (a pooled keep-alive socket closed by the release) is retried once on a fresh socket.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: ReleaseProcess,
  setCookie: string | undefined,
  done: (outcome: ProxyOutcome) => void,
): void {
  const started = performance.now();
  upstream.inFlight += 1;
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    upstream.inFlight -= 1;
    done({ status, latencyMs: performance.now() - started });
  };
  // Only a request without a body can be replayed safely.
  const retriable = (req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
  const attempt = (tries: number) => {
    const upstreamReq = request({
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: forwardHeaders(req.headers, req.socket.remoteAddress, {}),
      agent,
    });
    upstreamReq.on('response', (upstreamRes) => {
      const headers = responseHeaders(upstreamRes.headers);
      if (setCookie) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), setCookie];
      res.writeHead(upstreamRes.statusCode ?? 502, headers);
      upstreamRes.pipe(res);
      upstreamRes.on('end', () => finish(upstreamRes.statusCode ?? 502));
      upstreamRes.on('error', () => {
        res.destroy();
        finish(0);
      });
    });
    upstreamReq.on('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent && retriable && tries === 0 && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return attempt(1);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway: release ${upstream.spec.version} did not answer\n`);
      } else {
        res.destroy();
      }
      finish(0);
    });
    res.on('close', () => {
      // The client went away: stop the upstream request too.
      if (!res.writableFinished) upstreamReq.destroy();
      finish(res.writableFinished ? res.statusCode : 0);
    });
    if (retriable) upstreamReq.end();
    else req.pipe(upstreamReq);
  };
  attempt(0);
}
