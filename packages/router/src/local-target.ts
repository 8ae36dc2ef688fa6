import { dirname } from 'node:path';
import type { EnvironmentConfig, Logger, PlanStep, Release, TargetDriver, TargetStatus } from '@pilot/core';
import { access } from 'node:fs/promises';
import { PilotError } from '@pilot/core';
import type { RouterClient } from './client.ts';
import { adminPortOf, releaseSettingsFor, startRouter, stopRouter } from './control.ts';

export interface LocalTargetOptions {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  log: Logger;
  readyPath?: string;
  /** How long a replaced stable release stays warm after a promote (the run's strategy; default: the router's setting). */
  keepWarmMs?: number;
}

/** The router's `/admin/status` answer, as its clients read it. */
export interface AdminStatus {
  stable: { version: string; healthy: boolean; weight: number } | null;
  candidate: { version: string; healthy: boolean; weight: number } | null;
  maintenance: { message: string } | null;
  /** `retiring`: kept warm or draining (the router stops it by itself). */
  releases: {
    version: string;
    state: string;
    pid?: number;
    port?: number;
    retiring?: boolean;
    probesPassed?: number;
  }[];
}

// How often a pending prepare asks the router how far the release's readiness probes have got.
const READINESS_POLL_MS = 500;

/** The embedded default target: the local router in front of release processes, driven through its admin API. */
export function createLocalTarget(o: LocalTargetOptions): TargetDriver & { stop(): Promise<void> } {
  let client: RouterClient | undefined;
  const router = async () => {
    if (client) return client;
    const started = await startRouter({ root: o.root, envName: o.envName, env: o.env, readyPath: o.readyPath });
    if (started.started)
      o.log.info('router.started', `router for ${o.envName} started on 127.0.0.1:${o.env.port} (pid ${started.pid})`, {
        pid: started.pid,
      });
    client = started.client;
    return client;
  };
  const admin = `127.0.0.1:${adminPortOf(o.env)}`;
  // Read at each prepare: a release starts with the config as it is now (a changed readiness path applies to it).
  const settings = () => releaseSettingsFor({ root: o.root, envName: o.envName, env: o.env, readyPath: o.readyPath });

  return {
    kind: 'local',
    async plan(candidate, weights) {
      // A dry run plans a release it has not built (no digest yet): only a built one must be on disk.
      if (candidate.digest) {
        await access(dirname(candidate.dir)).catch(() => {
          throw new PilotError(
            `release ${candidate.version}: ${dirname(candidate.dir)} does not exist — build the release first`,
            2,
          );
        });
      }
      const steps: PlanStep[] = [
        {
          action: 'prepare',
          description: `start ${candidate.version} beside stable, wait for its readiness probes`,
          command: [
            'POST',
            `${admin}/admin/prepare`,
            JSON.stringify({ version: candidate.version, appDir: candidate.dir }),
          ],
        },
      ];
      for (const weight of weights) {
        steps.push({
          action: 'shift',
          description: `send ${weight}% of traffic to ${candidate.version}`,
          command: ['POST', `${admin}/admin/shift`, JSON.stringify({ version: candidate.version, weight })],
        });
      }
      steps.push({
        action: 'promote',
        description: `make ${candidate.version} stable; the old release drains`,
        command: ['POST', `${admin}/admin/promote`, JSON.stringify({ version: candidate.version })],
      });
      return steps;
    },
    async prepare(candidate) {
      const c = await router();
      const s = await settings();
      const end = Date.now() + s.readyTimeoutMs;
      // The daemon answers once the release is ready; meanwhile a terminal shows the probes passed and the time left.
      const poll = setInterval(() => {
        c.get<AdminStatus>('/admin/status').then(
          (status) => {
            const probes = status.releases.find((r) => r.version === candidate.version)?.probesPassed ?? 0;
            const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
            if (pending)
              o.log.progress(
                `waiting for ${candidate.version} to be ready: ${probes}/${s.readyProbes} probes passed, ${left}s left`,
              );
          },
          () => {},
        );
      }, READINESS_POLL_MS);
      let pending = true;
      try {
        await c.post('/admin/prepare', { version: candidate.version, appDir: candidate.dir, settings: s });
      } finally {
        pending = false;
        clearInterval(poll);
        o.log.progressDone();
      }
    },
    async shift(candidate, weight) {
      await (await router()).post('/admin/shift', { version: candidate.version, weight });
    },
    async promote(candidate) {
      await (await router()).post<AdminStatus>('/admin/promote', {
        version: candidate.version,
        ...(o.keepWarmMs === undefined ? {} : { keepWarmMs: o.keepWarmMs }),
      });
    },
    async rollback(to?: Release) {
      await (await router()).post(
        '/admin/rollback',
        to ? { to: to.version, appDir: to.dir, settings: await settings() } : {},
      );
    },
    async withdraw(candidate) {
      await (await router()).post('/admin/withdraw', { version: candidate.version });
    },
    async status(): Promise<TargetStatus> {
      const s = await (await router()).get<AdminStatus>('/admin/status');
      return {
        stable: s.stable ? { version: s.stable.version, healthy: s.stable.healthy } : undefined,
        candidate: s.candidate
          ? { version: s.candidate.version, weight: s.candidate.weight, healthy: s.candidate.healthy }
          : undefined,
        maintenance: Boolean(s.maintenance),
        details: { releases: s.releases },
      };
    },
    async stop() {
      client = undefined;
      await stopRouter({ root: o.root, envName: o.envName });
    },
  };
}
