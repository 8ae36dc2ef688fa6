import { type Point, type Sample, SeriesWindow, type SeriesSource, SPAN_MS } from '@pilot/dashboard';
import type { RouterClient } from '@pilot/router';

interface SamplesResponse {
  now: number;
  releases: Record<string, { samples: Sample[] }>;
}

/**
 * A local router's traffic, read through its admin API (`/admin/samples`) by a process other than the router: the
 * window starts 15 minutes back, so the first look shows what the router still keeps (its last 10 minutes).
 */
export function routerSeries(client: () => Promise<RouterClient | undefined>): SeriesSource {
  const window = new SeriesWindow(Date.now() - SPAN_MS);
  let note: string | undefined;
  let fed = false;
  const tick = async (): Promise<Record<string, Point[]>> => {
    const router = await client();
    if (!router) {
      note = 'its router is not running: no traffic to show';
      return {};
    }
    try {
      const data = await router.get<SamplesResponse>(`/admin/samples?since=${window.edge}`);
      note = undefined;
      fed = true;
      return window.record(
        Object.fromEntries(Object.entries(data.releases).map(([version, r]) => [version, r.samples])),
        data.now,
      );
    } catch (error) {
      note = `the router did not answer its samples: ${(error as Error).message}`;
      return {};
    }
  };
  return {
    async snapshot() {
      if (!fed) await tick();
      return window.snapshot();
    },
    tick,
    note: () => note,
  };
}
