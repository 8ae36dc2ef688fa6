/** How the demo service runs, read from its environment (the fault injection knobs included). */
export interface DemoOptions {
  port: number;
  host: string;
  version: string;
  /** Share (0..1) of /api requests answered with 500. */
  errorRate: number;
  /** Added delay before answering /api requests. */
  latencyMs: number;
  /** false makes /health/ready answer 503. */
  ready: boolean;
  /** Exit with code 1 this long after start (a crashing release). */
  crashAfterMs?: number;
}

/** Reads options from env; a bad value is reported with the variable's name and exits 2 before listening. */
export function readOptions(env: NodeJS.ProcessEnv, fallbackVersion: string): DemoOptions {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(`${name}=${JSON.stringify(raw)} is invalid — expected a number from ${min} to ${max}`);
    }
    return value;
  };
  return {
    port: number('PORT', 3000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    version: env.PILOT_RELEASE || fallbackVersion,
    errorRate: number('ERROR_RATE', 0, 0, 1),
    latencyMs: number('LATENCY_MS', 0, 0, 600_000),
    ready: env.READY !== 'false',
    crashAfterMs: env.CRASH_AFTER_MS ? number('CRASH_AFTER_MS', 0, 0, 86_400_000) : undefined,
  };
}
