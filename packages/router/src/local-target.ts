import { dirname } from 'node:path';
import type { EnvironmentConfig, Logger, PlanStep, Release, TargetDriver, TargetStatus } from '@pilot/core';
import { access } from 'node:fs/promises';
import { PilotError } from '@pilot/core';
import type { RouterClient } from './client.ts';
import { adminPortOf, startRouter, stopRouter } from './control.ts';
import { pruneReleases } from './releases/retention.ts';

export interface LocalTargetOptions {
  root: string;
  envName: string;
  env: EnvironmentConfig;
  log: Logger;
  readyPath?: string;
  /** How long a replaced stable release stays warm after a promote (the run's strategy; default: the router's setting). */
  keepWarmMs?: number;
}

interface AdminStatus {
  stable: { version: string; healthy: boolean; weight: number } | null;
  candidate: { version: string; healthy: boolean; weight: number } | null;
  maintenance: { message: string } | null;
  releases: { version: string; state: string }[];
}

/** The embedded default target: the local router in front of release processes, driven through its admin API. */
export function createLocalTarget(o: LocalTargetOptions): TargetDriver & { stop(): Promise<void> } {
  let client: RouterClient | undefined;
  const router = async () => {
    if (client) return client;
    const started = await startRouter({ root: o.root, envName: o.envName, env: o.env, readyPath: o.readyPath });
    if (started.started) o.log.info('router.started', `router for ${o.envName} started on 127.0.0.1:${o.env.port} (pid ${started.pid})`, { pid: started.pid });
    client = started.client;
    return client;
  };
  const admin = `127.0.0.1:${adminPortOf(o.env)}`;
  const keep = o.env.target.kind === 'local' ? o.env.target.keepReleases : 5;

  return {
    kind: 'local',
    async plan(candidate, weights) {
      await access(dirname(candidate.dir)).catch(() => {
        throw new PilotError(`release ${candidate.version}: ${dirname(candidate.dir)} does not exist — build the release first`, 2);
      });
      const steps: PlanStep[] = [{ action: 'prepare', description: `start ${candidate.version} beside stable, wait for its readiness probes`, command: ['POST', `${admin}/admin/prepare`, JSON.stringify({ version: candidate.version, appDir: candidate.dir })] }];
      for (const weight of weights) {
        steps.push({ action: 'shift', description: `send ${weight}% of traffic to ${candidate.version}`, command: ['POST', `${admin}/admin/shift`, JSON.stringify({ version: candidate.version, weight })] });
      }
      steps.push({ action: 'promote', description: `make ${candidate.version} stable; the old release drains`, command: ['POST', `${admin}/admin/promote`, JSON.stringify({ version: candidate.version })] });
      return steps;
    },
    async prepare(candidate) {
      await (await router()).post('/admin/prepare', { version: candidate.version, appDir: candidate.dir });
    },
    async shift(candidate, weight) {
      await (await router()).post('/admin/shift', { version: candidate.version, weight });
    },
    async promote(candidate) {
      const status = await (await router()).post<AdminStatus>('/admin/promote', { version: candidate.version, ...(o.keepWarmMs === undefined ? {} : { keepWarmMs: o.keepWarmMs }) });
      const removed = await pruneReleases(dirname(dirname(candidate.dir)), keep, [candidate.version, ...status.releases.map((r) => r.version)]);
      if (removed.length) o.log.info('releases.pruned', `removed old releases: ${removed.join(', ')}`, { keep });
    },
    async rollback(to?: Release) {
      await (await router()).post('/admin/rollback', to ? { to: to.version, appDir: to.dir } : {});
    },
    async withdraw(candidate) {
      await (await router()).post('/admin/withdraw', { version: candidate.version });
    },
    async status(): Promise<TargetStatus> {
      const s = await (await router()).get<AdminStatus>('/admin/status');
      return {
        stable: s.stable ? { version: s.stable.version, healthy: s.stable.healthy } : undefined,
        candidate: s.candidate ? { version: s.candidate.version, weight: s.candidate.weight, healthy: s.candidate.healthy } : undefined,
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
