/** One HTTP attempt's outcome; `error` says why it did not get an answer (timeout, DNS, TLS, refused). */
export interface HttpAttempt {
  status: number;
  body: string;
  ms: number;
  error?: string;
}

/** One request with a hard timeout: a hung endpoint becomes an error, never a hang. */
export async function httpAttempt(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpAttempt> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      ...init,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'manual',
    });
    const body = await res.text();
    return { status: res.status, body, ms: performance.now() - started };
  } catch (error) {
    return {
      status: 0,
      body: '',
      ms: performance.now() - started,
      error: describeFetchError(error, timeout.aborted, timeoutMs),
    };
  }
}

function describeFetchError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: NodeJS.ErrnoException & { hostname?: string } }).cause;
  const code = cause?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `DNS lookup failed (${code}) for ${cause?.hostname ?? 'the host'}`;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
  if (code.startsWith('ERR_SSL') || code.includes('CERT') || /SSL|TLS|certificate/i.test(cause?.message ?? ''))
    return `TLS error: ${cause?.message ?? code}`;
  return cause?.message
    ? `${cause.message}${code ? ` (${code})` : ''}`
    : error instanceof Error
      ? error.message
      : String(error);
}

/** Follows a dotted path (`a.b.0.c`) into parsed JSON. */
export function jsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
