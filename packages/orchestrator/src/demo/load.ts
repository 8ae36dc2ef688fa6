import { setTimeout as delay } from 'node:timers/promises';

/** What the demo's traffic saw: requests per release and status class, as users would have. */
export interface LoadStats {
  total: number;
  byRelease: Record<string, { ok: number; errors: number }>;
  failed: number;
}

/** Sends steady traffic (`rps` requests per second, a few in flight) to `url` until stopped: the demo's users. */
export function startLoad(url: string, rps: number): { stats: LoadStats; stop(): Promise<LoadStats> } {
  const stats: LoadStats = { total: 0, byRelease: {}, failed: 0 };
  let running = true;
  const worker = async () => {
    const gap = 1000 / (rps / 4);
    while (running) {
      const started = Date.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        const release = res.headers.get('x-release') ?? 'unknown';
        stats.byRelease[release] ??= { ok: 0, errors: 0 };
        const slot = stats.byRelease[release];
        if (res.status >= 500) slot.errors++;
        else slot.ok++;
      } catch {
        stats.failed++;
      }
      stats.total++;
      await delay(Math.max(0, gap - (Date.now() - started)));
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      return stats;
    },
  };
}
