import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type HandlerFn,
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  rekorHandler,
} from '@sigstore/mock';

/** Test stand-ins for Fulcio and Rekor on loopback, built from the Sigstore project's @sigstore/mock CA and log. */
export interface SigstoreStandIns {
  fulcioUrl: string;
  rekorUrl: string;
  /** A trusted_root.json (protobuf-specs JSON) naming the stand-in CA, Rekor key and CT log key. */
  trustedRoot: Record<string, unknown>;
  /** Requests served, by path. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts the stand-ins on 127.0.0.1. The stand-in Fulcio certifies whatever the token says: its `sub` becomes the
 * certificate's SAN URI and `iss` the issuer extension (the real Fulcio checks the token's signature; this one cannot).
 */
export async function startSigstoreStandIns(): Promise<SigstoreStandIns> {
  const { generateKeyPairSync } = await import('node:crypto');
  const keys = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ctlog = await initializeCTLog(keys());
  const ca = await initializeCA(keys(), ctlog);
  const requests: string[] = [];
  const routes = new Map<string, HandlerFn>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      requests.push(`${req.method} ${req.url}`);
      const handler = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
      if (!handler) return void res.writeHead(404).end('not found');
      const r = await handler(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'text/plain' }).end(r.response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tlogKeys = keys();
  const tlog = await initializeTLog(base, tlogKeys);
  const fulcio = fulcioHandler(ca);
  const rekor = rekorHandler(tlog);
  routes.set(fulcio.path, fulcio.fn);
  routes.set(rekor.path, rekor.fn);
  const start = new Date(Date.now() - 60_000).toISOString();
  const b64 = (b: ArrayBufferView | Buffer) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: base,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [],
  };
  return {
    fulcioUrl: base,
    rekorUrl: base,
    trustedRoot,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An unsigned OIDC token (JWT) for the stand-in Fulcio: what a CI would get from its provider, minus the signature. */
export function standInToken(claims: { iss: string; sub: string }): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, aud: 'sigstore', iat: now, exp: now + 600 })}.stand-in`;
}
