import type { EnvContext } from '@pilot/core';
import { type RouterClient, adminPortOf, routerClient, routerDirOf } from '@pilot/router';
import { ProcessUsage } from './providers/process-usage.ts';
import { queryPrometheus } from './providers/prometheus-api.ts';
import { type Finding, type Observation, type Sample, evaluateRules } from './rules/evaluate.ts';
import type { Rule } from './rules/rules.ts';
import { httpAttempt } from './smoke/http-check.ts';

interface SamplesResponse {
  now: number;
  releases: Record<string, { role: string; samples: Sample[] }>;
}

export interface WatchOptions {
  ctx: EnvContext;
  rules: Rule[];
  /** Where the health probe goes (the release itself, or the public URL). */
  probeUrl: string;
  /** Release whose router samples are judged; undefined = every release the router served. */
  subject?: string;
  /** Only samples from this time on count (default: the watch's start). */
  since?: number;
  /** Prometheus for `prometheus` rules (default: $PILOT_PROMETHEUS_URL). */
  prometheusUrl?: string;
}

/**
 * One monitoring loop's state: health probes, the router's samples for the release under watch, its process usage
 * and Prometheus queries, evaluated against the rules at each tick. Serves `pnpm monitor` and the canary steps.
 */
export class Watch {
  readonly checks: { ts: number; ok: boolean; ms: number; error?: string }[] = [];
  readonly started = Date.now();
  readonly #o: WatchOptions;
  readonly #router?: RouterClient;
  readonly #usage = new ProcessUsage();
  #routerSamples: SamplesResponse['releases'] = {};
  #routerNow?: number;

  constructor(o: WatchOptions) {
    this.#o = o;
    if (o.ctx.env.target.kind === 'local')
      this.#router = routerClient(routerDirOf(o.ctx.root, o.ctx.envName), adminPortOf(o.ctx.env));
  }

  async tick(): Promise<{ findings: Finding[]; observation: Observation }> {
    const ready = this.#o.ctx.config.service.health.ready;
    const probe = await httpAttempt(`${this.#o.probeUrl.replace(/\/$/, '')}${ready}`, {}, 5000);
    this.checks.push({
      ts: Date.now(),
      ok: !probe.error && probe.status >= 200 && probe.status < 300,
      ms: probe.ms,
      error: probe.error ?? (probe.status >= 300 ? `status ${probe.status}` : undefined),
    });
    const observation: Observation = { checks: this.checks, samples: [], windowMs: Date.now() - this.started };
    if (this.#router) {
      const since = this.#o.since ?? this.started;
      const data = await this.#router.get<SamplesResponse>(`/admin/samples?since=${since}`).catch(() => undefined);
      this.#routerSamples = data?.releases ?? {};
      this.#routerNow = data?.now;
      observation.samples = this.samplesOf(this.#o.subject);
      const status = await this.#router
        .get<{ releases: { version: string; pid?: number }[]; stable: { version: string } | null }>('/admin/status')
        .catch(() => undefined);
      const subject = this.#o.subject ?? status?.stable?.version;
      const pid = status?.releases.find((r) => r.version === subject)?.pid;
      const usage = pid ? await this.#usage.read(pid) : undefined;
      observation.cpuPercent = usage?.cpuPercent;
      observation.memoryPercent = usage?.memoryPercent;
    }
    const promRules = this.#o.rules.filter((r) => r.kind === 'prometheus');
    if (promRules.length) {
      const url = this.#o.prometheusUrl ?? process.env.PILOT_PROMETHEUS_URL;
      observation.prometheus = {};
      for (const rule of promRules) {
        observation.prometheus[rule.name] = url
          ? await queryPrometheus(url, rule.query).catch((error: Error) => error.message)
          : 'no Prometheus URL (set PILOT_PROMETHEUS_URL)';
      }
    }
    return { findings: evaluateRules(this.#o.rules, observation), observation };
  }

  /** The router's clock when it answered the last tick's samples (undefined when it did not answer): every request that ended before it is in them. */
  get samplesUntil(): number | undefined {
    return this.#routerNow;
  }

  /** Router samples of one release (or all) from the last tick. */
  samplesOf(version: string | undefined): Sample[] {
    if (version) return this.#routerSamples[version]?.samples ?? [];
    return Object.values(this.#routerSamples).flatMap((r) => r.samples);
  }
}
