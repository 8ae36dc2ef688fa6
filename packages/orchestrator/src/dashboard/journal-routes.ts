import type { EnvironmentView, RouterView } from '@pilot/dashboard';
import { SPAN_MS } from '@pilot/dashboard';

/**
 * The routes of a target without a router, as Pilot last set them (the journal): the open deployment's candidate at
 * its weight beside the release it replaces, or the live release alone. Nothing probes them, so health is left out.
 */
export function journalRoutes(view: EnvironmentView, targetKind: string): RouterView {
  const open = view.open;
  const weight = open?.weight ?? 0;
  const stableVersion = open ? (open.previous ?? view.live) : view.live;
  return {
    stable: stableVersion ? { version: stableVersion, weight: open?.release ? 100 - weight : 100 } : null,
    candidate: open?.release ? { version: open.release, weight } : null,
    maintenance: null,
    releases: [],
    source: `the ${targetKind} target has no router here: weights as Pilot last set them (its journal)`,
  };
}

/** The releases that served in the last 15 minutes: the live one, the open deployment's two, and those of deployments that ended since. */
export function recentVersions(view: EnvironmentView, now = Date.now()): string[] {
  const versions = new Set<string>();
  const add = (v?: string) => v && versions.add(v);
  add(view.live);
  add(view.open?.release);
  add(view.open?.previous);
  for (const d of view.recent) {
    if (d.updatedAt && Date.parse(d.updatedAt) >= now - SPAN_MS) {
      add(d.release);
      add(d.previous);
    }
  }
  return [...versions];
}
