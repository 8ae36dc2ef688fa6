import { z } from 'zod';
import { duration } from './duration-schema.ts';

// Each selector names one release through `{version}`, replaced by the release's version before the query is sent.
const selector = z
  .string()
  .min(1)
  .refine(
    (s) => s.includes('{version}'),
    'expected a PromQL series selector naming the release with {version}, e.g. http_requests_total{version="{version}"}',
  );

/** Where an environment's per-release traffic is in Prometheus: what the monitoring page charts for a target without a router. */
export const prometheusSchema = z.strictObject({
  /** Prometheus' base URL (default: $PILOT_PROMETHEUS_URL). */
  url: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL, e.g. http://127.0.0.1:9090')
    .optional(),
  /** Counter of the release's requests. */
  requests: selector,
  /** Counter of its failed requests (5xx). */
  errors: selector,
  /** Its latency histogram in seconds: the `_bucket` series (with `le`). */
  latency: selector,
  /** The range of rate() and of the latency quantiles: at least two scrape intervals. */
  window: duration.default('1m'),
});

export type PrometheusConfig = z.output<typeof prometheusSchema>;
