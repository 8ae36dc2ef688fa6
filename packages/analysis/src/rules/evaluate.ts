import type { Rule } from './rules.ts';

/** A request seen at the router: [time ms, status (0 = no answer), latency ms]. */
export type Sample = [number, number, number];

/** What was observed over a window for the release under watch. */
export interface Observation {
  /** Health probe results, oldest first. */
  checks: { ts: number; ok: boolean }[];
  /** Request samples for the release. */
  samples: Sample[];
  cpuPercent?: number;
  memoryPercent?: number;
  /** Values of `prometheus` rules by rule name (NaN = no data; a string = the query failed). */
  prometheus?: Record<string, number | string>;
  windowMs: number;
}

export interface Finding {
  rule: string;
  severity: 'warning' | 'critical';
  breached: boolean;
  /** True when there was not enough data to judge this rule. */
  noData?: boolean;
  observed?: number | string;
  threshold: number | string;
  window: string;
  detail?: string;
}

const isError = (s: Sample) => s[1] === 0 || s[1] >= 500;

/** Evaluates every rule against the observation; each finding states rule, observed value, threshold and window. */
export function evaluateRules(rules: Rule[], o: Observation): Finding[] {
  const window = `${Math.round(o.windowMs / 1000)}s`;
  const served = o.samples.filter((s) => s[1] !== 0);
  return rules.map((rule) => evaluateRule(rule, o, served, window));
}

function evaluateRule(rule: Rule, o: Observation, served: Sample[], window: string): Finding {
  const base = { rule: rule.kind, severity: rule.severity, window };
  switch (rule.kind) {
    case 'consecutive_failures': {
      const streak = trailingFailures(o.checks);
      return {
        ...base,
        breached: streak >= rule.max,
        observed: streak,
        threshold: rule.max,
        detail: 'failed health checks in a row',
      };
    }
    case 'success_rate': {
      if (o.checks.length < rule.minChecks)
        return {
          ...base,
          breached: false,
          noData: true,
          observed: o.checks.length,
          threshold: rule.min,
          detail: `fewer than ${rule.minChecks} checks`,
        };
      const rate = o.checks.filter((c) => c.ok).length / o.checks.length;
      return { ...base, breached: rate < rule.min, observed: round(rate), threshold: rule.min };
    }
    case 'p95_latency': {
      if (served.length < rule.minSamples)
        return {
          ...base,
          breached: false,
          noData: true,
          observed: served.length,
          threshold: rule.maxMs,
          detail: `fewer than ${rule.minSamples} requests`,
        };
      const p95 = percentile(
        served.map((s) => s[2]),
        0.95,
      );
      return { ...base, breached: p95 > rule.maxMs, observed: round(p95), threshold: rule.maxMs, detail: 'ms' };
    }
    case 'error_rate': {
      if (o.samples.length < rule.minSamples)
        return {
          ...base,
          breached: false,
          noData: true,
          observed: o.samples.length,
          threshold: rule.max,
          detail: `fewer than ${rule.minSamples} requests`,
        };
      const rate = o.samples.filter(isError).length / o.samples.length;
      return { ...base, breached: rate > rule.max, observed: round(rate), threshold: rule.max };
    }
    case 'availability': {
      const useRequests = o.samples.length >= rule.minSamples;
      const total = useRequests ? o.samples.length : o.checks.length;
      if (total < rule.minSamples)
        return {
          ...base,
          breached: false,
          noData: true,
          observed: total,
          threshold: rule.min,
          detail: 'too little traffic or checks',
        };
      const up = useRequests ? o.samples.filter((s) => !isError(s)).length : o.checks.filter((c) => c.ok).length;
      return {
        ...base,
        breached: up / total < rule.min,
        observed: round(up / total),
        threshold: rule.min,
        detail: useRequests ? 'of requests answered without 5xx' : 'of health checks passed',
      };
    }
    case 'failing_for': {
      const since = failingSince(o.checks);
      const ms = since === undefined ? 0 : (o.checks.at(-1)?.ts ?? since) - since;
      return { ...base, breached: ms > rule.maxMs, observed: ms, threshold: rule.maxMs, detail: 'ms failing' };
    }
    case 'cpu_percent':
      if (o.cpuPercent === undefined)
        return { ...base, breached: false, noData: true, threshold: rule.max, detail: 'no process to measure' };
      return {
        ...base,
        breached: o.cpuPercent > rule.max,
        observed: round(o.cpuPercent),
        threshold: rule.max,
        detail: '% of one core',
      };
    case 'memory_percent':
      if (o.memoryPercent === undefined)
        return { ...base, breached: false, noData: true, threshold: rule.max, detail: 'no process to measure' };
      return {
        ...base,
        breached: o.memoryPercent > rule.max,
        observed: round(o.memoryPercent),
        threshold: rule.max,
        detail: '% of memory',
      };
    case 'prometheus': {
      const value = o.prometheus?.[rule.name];
      const threshold = [
        rule.min !== undefined ? `min ${rule.min}` : '',
        rule.max !== undefined ? `max ${rule.max}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      if (typeof value === 'string')
        return { ...base, rule: `prometheus:${rule.name}`, breached: false, noData: true, threshold, detail: value };
      if (value === undefined || Number.isNaN(value))
        return {
          ...base,
          rule: `prometheus:${rule.name}`,
          breached: false,
          noData: true,
          threshold,
          detail: 'query returned no data',
        };
      const breached = (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max);
      return { ...base, rule: `prometheus:${rule.name}`, breached, observed: value, threshold };
    }
  }
}

function trailingFailures(checks: { ok: boolean }[]): number {
  let n = 0;
  for (let i = checks.length - 1; i >= 0 && !checks[i].ok; i--) n++;
  return n;
}

function failingSince(checks: { ts: number; ok: boolean }[]): number | undefined {
  let since: number | undefined;
  for (let i = checks.length - 1; i >= 0 && !checks[i].ok; i--) since = checks[i].ts;
  return since;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
