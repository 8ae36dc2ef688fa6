import {
  type PrometheusVersionSource,
  type VersionIncrease,
  type VersionTotals,
  increaseBetween,
  unseenErrorsMetric,
} from './providers/prometheus-versions.ts';

/**
 * The sequential judge's looks on a target whose traffic Pilot does not see: what each release served between reads of
 * its counters in Prometheus. A look closes only once both releases have new requests, so scrapes that fall between
 * two reads on one side only are not wasted on a look the error test can learn nothing from.
 */
export class PrometheusLooks {
  /** Why the last read failed (Prometheus unreachable, a query it rejects); cleared by the next good read. */
  error?: string;
  /** Set at the first read when the errors selector's metric has no series at all (a typo would read as no errors). */
  warning?: string;
  #since?: { stable: VersionTotals; candidate: VersionTotals };

  constructor(
    readonly source: PrometheusVersionSource,
    readonly candidate: string,
    readonly stable: string,
  ) {}

  /** Both releases' requests since the previous look; undefined at the first read (where the counters stand) or while a side has none. */
  async next(): Promise<{ stable: VersionIncrease; candidate: VersionIncrease } | undefined> {
    // Without a URL there is nothing to read; `error` says so.
    if (!this.source.url) return undefined;
    let now: { stable: VersionTotals; candidate: VersionTotals };
    try {
      const [stable, candidate] = await Promise.all([
        this.source.totals(this.stable),
        this.source.totals(this.candidate),
      ]);
      now = { stable, candidate };
      this.error = undefined;
    } catch (error) {
      this.error = (error as Error).message;
      return undefined;
    }
    if (!this.#since) {
      this.#since = now;
      const unseen = await unseenErrorsMetric(this.source.url, this.source.selectors).catch(() => undefined);
      if (unseen)
        this.warning = `Prometheus has no series of ${unseen} (the errors selector) for any release: errors count as 0 — if the name is misspelt, the judge cannot see failures`;
      return undefined;
    }
    const stable = increaseBetween(this.#since.stable, now.stable);
    const candidate = increaseBetween(this.#since.candidate, now.candidate);
    if (!stable?.requests || !candidate?.requests) return undefined;
    this.#since = now;
    return { stable, candidate };
  }
}
