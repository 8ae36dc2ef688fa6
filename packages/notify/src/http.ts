/** What one delivery did: sent (2xx) or the error an operator needs to fix it. */
export interface Delivery {
  ok: boolean;
  status?: number;
  attempts: number;
  /** Status and the start of the answer's body, or the network error. */
  error?: string;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** The whole delivery, retries included, ends within this. */
  timeoutMs: number;
  retries: number;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** POSTs a body, retrying 429/5xx and network errors with back-off (honouring Retry-After) while time remains. */
export async function post(url: string, body: string, o: PostOptions): Promise<Delivery> {
  const deadline = Date.now() + o.timeoutMs;
  let error = '';
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0)
      return { ok: false, attempts: attempt - 1, error: `${error || 'no answer'} (gave up after ${o.timeoutMs} ms)` };
    let wait = 250 * 2 ** (attempt - 1);
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...o.headers },
        signal: AbortSignal.timeout(left),
        redirect: 'error',
      });
      const text = await res.text();
      if (res.ok) return { ok: true, status: res.status, attempts: attempt };
      error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (!RETRYABLE(res.status)) return { ok: false, status: res.status, attempts: attempt, error };
      wait = retryAfterMs(res.headers.get('retry-after')) ?? wait;
    } catch (caught) {
      error = (caught as Error).name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : networkError(caught);
    }
    if (attempt > o.retries || Date.now() + wait >= deadline) return { ok: false, attempts: attempt, error };
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// fetch says only "fetch failed": the cause (ECONNREFUSED, ENOTFOUND, a TLS error) is what an operator can act on.
function networkError(caught: unknown): string {
  const cause = (caught as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.find((e) => e.code)?.code;
  return code ? `connection failed: ${code}` : `connection failed: ${cause?.message ?? (caught as Error).message}`;
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
