import type { EnvironmentConfig, Release, TargetDriver } from '@pilot/core';
import { adminPortOf } from '@pilot/router';

/** `pilot dashboard`'s port unless --port says otherwise (Argo Rollouts' dashboard port: a bookmark that stays). */
export const DASHBOARD_PORT = 3100;

/**
 * Where people watch the environment: the configured monitoring URL, else the local router's page (`/ui/` on its
 * loopback admin port, read-only without the token: no secret in the URL), else the environment's page on
 * `pilot dashboard` (a target without a router: charts from its Prometheus).
 */
export const monitoringUrlOf = (env: EnvironmentConfig, envName: string) =>
  env.monitoringUrl ??
  (env.target.kind === 'local'
    ? `http://127.0.0.1:${adminPortOf(env)}/ui/`
    : `http://127.0.0.1:${DASHBOARD_PORT}/env/${encodeURIComponent(envName)}/ui/`);

/** The environment's public URL (the router's port for the local target). */
export const baseUrlOf = (port: number) => `http://127.0.0.1:${port}`;

/** Where the candidate answers directly, when the target says (local router: the release's own port; Kubernetes: the preview URL); else the public URL. */
export async function candidateUrlOf(target: TargetDriver, candidate: Release, port: number): Promise<string> {
  try {
    const status = await target.status();
    const releases = (status.details?.releases ?? (status as Record<string, unknown>).releases) as
      | { version: string; port?: number; url?: string }[]
      | undefined;
    const own = releases?.find(
      (r) => r.version === candidate.version && (typeof r.port === 'number' || typeof r.url === 'string'),
    );
    // A release reached by URL (the Kubernetes preview Service) or on its own loopback port (the local router).
    if (own) return own.url ?? baseUrlOf(own.port!);
  } catch {
    // A status that cannot be read leaves the public URL, which still reaches the candidate at its weight.
  }
  return baseUrlOf(port);
}
