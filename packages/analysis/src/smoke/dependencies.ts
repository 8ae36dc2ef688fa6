// pg and redis load only when a check names them: every pilot command's start-up would pay ~0.5 s of CPU otherwise.

/** `SELECT 1` over a real connection; the URL (and its password) never appears in the result. */
export async function checkPostgres(url: string, timeoutMs: number): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  try {
    await client.connect();
    const result = await client.query('SELECT 1 AS ok');
    if (result.rows[0]?.ok !== 1) throw new Error('SELECT 1 did not return 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** `PING` → `PONG` over a real connection. */
export async function checkRedis(url: string, timeoutMs: number): Promise<void> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), timeoutMs, 'connect');
    const reply = await withTimeout(client.ping(), timeoutMs, 'PING');
    if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}`);
  } finally {
    await client.destroy?.();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
