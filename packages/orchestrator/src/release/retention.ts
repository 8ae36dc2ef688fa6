import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type EnvContext, statePaths, writeFileAtomic } from '@pilot/core';
import { prunedManifest } from './manifest.ts';
import { findOpenDeployment } from '../state/deployments.ts';
import { type HistoryEntry, currentLive, lastKnownGood, readHistory } from '../state/history.ts';

/** How many of its newest releases an environment keeps (`target.keepReleases` on the local target, else 5). */
function keepOf(ctx: EnvContext, envName: string): number {
  const target = ctx.config.environments[envName]?.target;
  return target?.kind === 'local' ? target.keepReleases : 5;
}

/**
 * The releases some environment still needs: its newest `keep` live releases, what it serves, its rollback target (the
 * last-known-good other than the live one), what its router runs (warm releases included), and both sides of an open
 * deployment. Every environment of the repository counts — releases are shared between environments on one host.
 */
export async function retainedReleases(ctx: EnvContext): Promise<{ retained: Set<string>; deployed: Set<string> }> {
  const state = ctx.paths.root;
  const retained = new Set<string>();
  const deployed = new Set<string>();
  const envNames = new Set([
    ...Object.keys(ctx.config.environments),
    ...(await readdir(join(state, 'history')).catch(() => [] as string[])).map((f) => f.replace(/\.jsonl$/, '')),
  ]);
  for (const envName of envNames) {
    const history = await readHistory(state, envName);
    const live = history.filter((h) => h.event === 'release.live');
    for (const h of live) deployed.add(h.version);
    for (const version of newestDistinct(live, keepOf(ctx, envName))) retained.add(version);
    const current = currentLive(history);
    if (current) retained.add(current.version);
    const rollbackTarget = lastKnownGood(history, current?.version);
    if (rollbackTarget) retained.add(rollbackTarget.version);
    for (const version of await routerReleases(statePaths(state).router(envName))) retained.add(version);
    const open = await findOpenDeployment(state, envName);
    for (const side of [open?.data.release, open?.data.stable]) {
      const version = (side as { version?: string } | undefined)?.version;
      if (version) retained.add(version);
    }
  }
  return { retained, deployed };
}

/**
 * Deletes release folders (and archives) that were deployed somewhere and that no environment retains any longer; their
 * manifests are kept under `.pruned/`. Releases never deployed anywhere (a failed build's candidate) are left for an
 * operator: nothing records who needs them.
 */
export async function pruneReleases(ctx: EnvContext): Promise<string[]> {
  const { retained, deployed } = await retainedReleases(ctx);
  const removed: string[] = [];
  for (const version of deployed) {
    if (retained.has(version)) continue;
    const dir = join(ctx.paths.releases, version);
    const manifest = await readFile(join(dir, 'manifest.json')).catch(() => undefined);
    if (!manifest) continue;
    await writeFileAtomic(prunedManifest(ctx.paths.releases, version), manifest);
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.tar.gz`, { force: true });
    removed.push(version);
  }
  return removed.sort();
}

function newestDistinct(entries: HistoryEntry[], keep: number): string[] {
  const out: string[] = [];
  for (let i = entries.length - 1; i >= 0 && out.length < keep; i--)
    if (!out.includes(entries[i].version)) out.push(entries[i].version);
  return out;
}

/** The releases an environment's local router runs or keeps warm, from its state file (no router is started). */
async function routerReleases(routerDir: string): Promise<string[]> {
  const { readRouterState } = await import('@pilot/router');
  const state = await readRouterState(routerDir);
  return [...(state?.releases ?? []).map((r) => r.version), state?.routes.stable, state?.routes.candidate].filter(
    (v): v is string => Boolean(v),
  );
}
