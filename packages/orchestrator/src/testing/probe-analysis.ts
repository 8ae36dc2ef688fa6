import type { AnalysisPort, Verdict } from '../analysis/port.ts';
import { sleep } from '../engine/sleep.ts';

/**
 * A stand-in for @pilot/analysis in engine tests (named as such): probes the public URL and rolls back when more
 * than 5% of /api/hello answers are 5xx. The real wiring is tested end to end in the CLI tests.
 */
export function standInAnalysis(): AnalysisPort {
  const probe = async (url: string) => {
    const r = await fetch(`${url}/api/hello`).catch(() => undefined);
    return r?.status ?? 0;
  };
  return {
    async smoke(baseUrl) {
      const status = await probe(baseUrl);
      return { passed: status === 200, results: [{ name: 'hello', status }] };
    },
    async analyse(o): Promise<Verdict> {
      const end = Date.now() + o.holdMs;
      let total = 0;
      let errors = 0;
      while (Date.now() < end) {
        for (let i = 0; i < 20; i++) {
          total++;
          if ((await probe(o.baseUrl)) >= 500) errors++;
        }
        if (total >= 20 && errors / total > 0.05)
          return { decision: 'rollback', reasons: [{ rule: 'error_rate', observed: errors / total, threshold: 0.05 }] };
        await sleep(Math.min(o.intervalMs, Math.max(0, end - Date.now())), o.signal);
      }
      return { decision: 'continue', reasons: [] };
    },
  };
}
