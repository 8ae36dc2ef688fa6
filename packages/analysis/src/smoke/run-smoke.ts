import { parseDuration } from '@pilot/core';
import { parsePrometheusText } from '../providers/prometheus-text.ts';
import { checkPostgres, checkRedis } from './dependencies.ts';
import { type HttpAttempt, httpAttempt, jsonPath } from './http-check.ts';

/** A smoke check as pilot.config.ts writes it (`checks.smoke[]`). */
export interface SmokeCheckSpec {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  expect?: { status?: number; contains?: string; json?: { path: string; equals?: unknown } };
  maxLatency?: string | number;
  concurrency?: number;
}

export interface DependencySpec {
  kind: 'postgres' | 'redis';
  name?: string;
  urlEnv: string;
}

export interface SmokeResult {
  name: string;
  passed: boolean;
  attempts: number;
  ms: number;
  /** The URL requested (HTTP checks). */
  url?: string;
  status?: number;
  error?: string;
  /** The start of the last response body, when the check failed. */
  excerpt?: string;
}

/** One line per failed check: name, URL, what was wrong, the body's start and how many attempts — what an operator needs. */
export function describeSmokeFailures(results: SmokeResult[]): string {
  return results
    .filter((r) => !r.passed)
    .map(
      (r) =>
        `${r.name}${r.url ? ` (${r.url})` : ''}: ${r.error ?? 'failed'}${r.excerpt ? ` — body ${JSON.stringify(r.excerpt)}` : ''} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`,
    )
    .join('; ');
}

export interface SmokeOptions {
  baseUrl: string;
  checks?: SmokeCheckSpec[];
  /** `metrics: false` leaves the metrics check out (a service without a Prometheus endpoint). */
  builtIns?: { live?: string; ready?: string; metrics?: string | false } | false;
  dependencies?: DependencySpec[];
  env?: NodeJS.ProcessEnv;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** For everything, warm-up retries included (default 60 s). */
  deadlineMs?: number;
  /**
   * The service already passed its readiness probes (the target probed it before it got here). From then on — or once
   * the built-in ready check passes in this run — a definite answer that is wrong (an unexpected status, a wrong body)
   * fails its check at once; only an attempt that got no answer (refused, reset, timed out) or a slow one is retried.
   */
  readyPassed?: boolean;
  signal?: AbortSignal;
  /** Told of each failed attempt that will be retried (a status line on a terminal). */
  onRetry?: (r: { name: string; attempt: number; error: string }) => void;
}

/** Runs built-in, configured and dependency checks with warm-up retries; resolves (never hangs) by the deadline. */
export async function runSmokeTests(o: SmokeOptions): Promise<{ passed: boolean; results: SmokeResult[] }> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const deadline = Date.now() + (o.deadlineMs ?? 60_000);
  const base = o.baseUrl.replace(/\/$/, '');
  const specs: SmokeCheckSpec[] = [];
  let readySpec: SmokeCheckSpec | undefined;
  if (o.builtIns !== false) {
    const b = o.builtIns ?? {};
    readySpec = { name: 'ready', path: b.ready ?? '/health/ready' };
    specs.push({ name: 'live', path: b.live ?? '/health/live' }, readySpec);
    if (b.metrics !== false) specs.push({ name: 'metrics', path: b.metrics ?? '/metrics' });
  }
  specs.push(...(o.checks ?? []));
  const results: SmokeResult[] = [];
  let ready = Boolean(o.readyPassed);
  for (const spec of specs) {
    const result = await retry(
      spec.name,
      deadline,
      o,
      () => runHttpCheck(base, spec, timeoutMs, o.signal),
      () => ready,
    );
    if (spec === readySpec && result.passed) ready = true;
    results.push(result);
  }
  for (const dep of o.dependencies ?? []) {
    const name = dep.name ?? dep.kind;
    const url = (o.env ?? process.env)[dep.urlEnv];
    if (!url) {
      results.push({
        name,
        passed: false,
        attempts: 0,
        ms: 0,
        error: `environment variable ${dep.urlEnv} is not set (it holds the ${dep.kind} URL)`,
      });
      continue;
    }
    results.push(
      await retry(name, deadline, o, async () => {
        const started = performance.now();
        try {
          await (dep.kind === 'postgres' ? checkPostgres(url, timeoutMs) : checkRedis(url, timeoutMs));
          return { ms: performance.now() - started };
        } catch (error) {
          return { ms: performance.now() - started, error: redactUrl((error as Error).message, url) };
        }
      }),
    );
  }
  return { passed: results.every((r) => r.passed), results };
}

/** `definite`: the service answered, and the answer was wrong (not a missing or slow answer, which warm-up explains). */
type Attempt = { ms: number; url?: string; status?: number; error?: string; excerpt?: string; definite?: boolean };

async function retry(
  name: string,
  deadline: number,
  o: Pick<SmokeOptions, 'signal' | 'onRetry'>,
  once: () => Promise<Attempt>,
  ready: () => boolean = () => false,
): Promise<SmokeResult> {
  let attempts = 0;
  let delay = 200;
  for (;;) {
    attempts += 1;
    const { definite, ...outcome } = await once();
    if (!outcome.error) return { name, passed: true, attempts, ...outcome };
    // After readiness passed, a wrong answer is the release's answer: retrying it to the deadline only delays the verdict.
    if (definite && ready()) return { name, passed: false, attempts, ...outcome };
    const wait = Math.min(delay, deadline - Date.now());
    if (wait <= 0 || o.signal?.aborted) return { name, passed: false, attempts, ...outcome };
    o.onRetry?.({ name, attempt: attempts, error: outcome.error });
    await new Promise((resolve) => setTimeout(resolve, wait));
    delay = Math.min(delay * 2, 2000);
  }
}

const EXCERPT_CHARS = 120;

async function runHttpCheck(
  base: string,
  spec: SmokeCheckSpec,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  const url = `${base}${spec.path}`;
  const count = spec.concurrency ?? 1;
  const attempts = await Promise.all(
    Array.from({ length: count }, () =>
      httpAttempt(url, { method: spec.method ?? 'GET', headers: spec.headers, body: spec.body }, timeoutMs, signal),
    ),
  );
  const ms = Math.max(...attempts.map((a) => a.ms));
  for (const attempt of attempts) {
    const wrong = judgeAttempt(spec, attempt);
    if (wrong) {
      const excerpt = attempt.body ? attempt.body.slice(0, EXCERPT_CHARS).trim() : undefined;
      const error = count > 1 ? `${wrong.error} (one of ${count} concurrent requests)` : wrong.error;
      return { ms, url, status: attempt.status, error, definite: wrong.definite, ...(excerpt ? { excerpt } : {}) };
    }
  }
  return { ms, url, status: attempts[0].status };
}

/** What is wrong with an attempt; `definite` when the service answered and the answer itself is wrong. */
function judgeAttempt(spec: SmokeCheckSpec, a: HttpAttempt): { error: string; definite: boolean } | undefined {
  if (a.error) return { error: a.error, definite: false };
  const expected = spec.expect?.status ?? 200;
  if (a.status !== expected) return { error: `status ${a.status}, expected ${expected}`, definite: true };
  const maxMs = parseDuration(spec.maxLatency ?? '1s');
  // Slow is not wrong: a first request to a cold release may be slow, and is retried.
  if (a.ms > maxMs) return { error: `took ${Math.round(a.ms)} ms, more than ${maxMs} ms`, definite: false };
  const error = wrongBody(spec, a);
  return error ? { error, definite: true } : undefined;
}

function wrongBody(spec: SmokeCheckSpec, a: HttpAttempt): string | undefined {
  if (spec.expect?.contains && !a.body.includes(spec.expect.contains))
    return `body does not contain ${JSON.stringify(spec.expect.contains)}`;
  if (spec.expect?.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.body);
    } catch {
      return 'body is not JSON';
    }
    const actual = jsonPath(parsed, spec.expect.json.path);
    if (JSON.stringify(actual) !== JSON.stringify(spec.expect.json.equals))
      return `JSON ${spec.expect.json.path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(spec.expect.json.equals)}`;
  }
  if (spec.name === 'metrics') {
    try {
      if (parsePrometheusText(a.body).length === 0) return 'metrics text has no samples';
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

function redactUrl(message: string, url: string): string {
  return message.split(url).join('[dependency URL]');
}
