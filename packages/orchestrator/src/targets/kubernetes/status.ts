import type { TargetStatus } from '@pilot/core';
import { RELEASE_LABEL } from './derive.ts';
import type { KubectlScope } from './kubectl.ts';
import { runKubectl } from './kubectl.ts';

// biome-ignore lint/suspicious/noExplicitAny: kubectl's JSON, read field by field
type Obj = Record<string, any>;
export const KEEP_WARM_ANNOTATION = 'pilot.dev/keep-warm-until';

/** One release's Deployment as the cluster reports it. */
export interface ClusterRelease {
  version: string;
  deployment: string;
  replicas: number;
  ready: number;
  keepWarmUntil?: string;
}

/** What the cluster says now: the releases of the service, which one each Service selects, the route's weights. */
export interface ClusterView {
  releases: ClusterRelease[];
  /** The release the user-facing Service selects; null when it selects every release (a replica-ratio canary). */
  selected?: string | null;
  preview?: string;
  /** The HTTPRoute's weight on `<service>-preview`, when there is a route. */
  routeWeight?: number;
  stableBackend?: string;
}

/** Reads the cluster with `kubectl get -o json`: nothing is taken from Pilot's own records. */
export async function readCluster(
  scope: KubectlScope,
  o: { service: string; route?: string; signal?: AbortSignal },
): Promise<ClusterView> {
  const get = async (args: string[]) => {
    const r = await runKubectl(scope, ['get', ...args, '-o', 'json'], { signal: o.signal, allowFailure: true });
    if (r.exitCode !== 0 && /NotFound|not found/.test(r.stderr)) return undefined;
    if (r.exitCode !== 0) throw new Error(`kubectl get ${args.join(' ')} failed: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as Obj;
  };
  const list = await get(['deployments', '-l', `pilot.dev/service=${o.service}`]);
  const releases: ClusterRelease[] = (list?.items ?? []).map((d: Obj) => ({
    version: d.metadata.labels?.[RELEASE_LABEL],
    deployment: d.metadata.name,
    replicas: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    ...(d.metadata.annotations?.[KEEP_WARM_ANNOTATION]
      ? { keepWarmUntil: d.metadata.annotations[KEEP_WARM_ANNOTATION] }
      : {}),
  }));
  const selectorOf = (svc: Obj | undefined) => (svc ? (svc.spec?.selector?.[RELEASE_LABEL] ?? null) : undefined);
  const view: ClusterView = {
    releases,
    selected: selectorOf(await get(['service', o.service])),
    preview: selectorOf(await get(['service', `${o.service}-preview`])) ?? undefined,
  };
  if (o.route) {
    view.stableBackend = selectorOf(await get(['service', `${o.service}-stable`])) ?? undefined;
    const route = await get(['httproute', o.route]);
    const refs: Obj[] = (route?.spec?.rules ?? []).flatMap((rule: Obj) => rule.backendRefs ?? []);
    const preview = refs.find((ref) => ref.name === `${o.service}-preview`);
    if (preview) view.routeWeight = preview.weight ?? 1;
  }
  return view;
}

/** The target status the orchestrator and `pilot status` show: where traffic really is, by the cluster's own objects. */
export function statusOf(view: ClusterView, now = Date.now()): TargetStatus {
  const byVersion = new Map(view.releases.map((r) => [r.version, r]));
  const healthy = (version: string) => {
    const r = byVersion.get(version);
    return Boolean(r && r.replicas > 0 && r.ready >= r.replicas);
  };
  const running = view.releases.filter((r) => r.replicas > 0);
  let stable: string | undefined;
  let candidate: string | undefined;
  let weight = 0;
  if (view.routeWeight !== undefined && view.stableBackend) {
    stable = view.stableBackend;
    if (view.preview && view.preview !== stable && view.routeWeight > 0)
      [candidate, weight] = [view.preview, view.routeWeight];
  } else if (view.selected === null) {
    // Every release of the service behind one selector: the split is the ratio of ready pods, approximate.
    const total = running.reduce((sum, r) => sum + r.ready, 0);
    candidate = view.preview;
    stable = running.filter((r) => r.version !== candidate).sort((a, b) => b.ready - a.ready)[0]?.version;
    weight = total && candidate ? Math.round((100 * (byVersion.get(candidate)?.ready ?? 0)) / total) : 0;
  } else {
    stable = view.selected;
  }
  const preparing =
    view.preview && view.preview !== stable && byVersion.get(view.preview)?.replicas ? view.preview : undefined;
  const status: TargetStatus = {
    ...(stable ? { stable: { version: stable, healthy: healthy(stable) } } : {}),
    ...(candidate || preparing
      ? { candidate: { version: (candidate ?? preparing)!, weight, healthy: healthy((candidate ?? preparing)!) } }
      : {}),
    details: {
      traffic:
        view.routeWeight !== undefined ? 'gateway' : view.selected === null ? 'replicas (approximate)' : 'selector',
      ...(view.preview ? { preview: view.preview } : {}),
      releases: view.releases.map((r) => ({
        version: r.version,
        deployment: r.deployment,
        replicas: r.replicas,
        ready: r.ready,
        state: r.replicas === 0 ? 'stopped' : 'running',
        retiring: Boolean(r.keepWarmUntil && Date.parse(r.keepWarmUntil) > now),
      })),
    },
  };
  return status;
}
