import { type TargetConfig, UsageError } from '@pilot/core';
import type { SourceObject, Substitutions } from './manifests.ts';
import { substitute } from './manifests.ts';
import type { RenderedObject } from './validate.ts';

export type KubernetesConfig = Extract<TargetConfig, { kind: 'kubernetes' }>;
// Manifests are free-form YAML until validated: walked as plain records.
// biome-ignore lint/suspicious/noExplicitAny: the objects are checked against the Kubernetes schema afterwards
type Obj = Record<string, any>;

export const RELEASE_LABEL = 'pilot.dev/release';
export const SERVICE_LABEL = 'pilot.dev/service';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'pilot' };

/** The team's manifests sorted by role: the Deployment releases are made from, the Service users reach, the optional HTTPRoute, the rest. */
export interface Layout {
  deployment: SourceObject;
  service: SourceObject;
  route?: SourceObject;
  shared: SourceObject[];
  /** The Deployment's replicas: what each release runs at full size. */
  replicas: number;
}

const where = (s: SourceObject) => `${s.file} (document ${s.index + 1})`;

/** Finds the roles in the manifests; a missing or ambiguous one is exit 2 naming the files and the setting to fix. */
export function layoutOf(sources: SourceObject[], config: KubernetesConfig): Layout {
  const deployments = sources.filter((s) => s.object.kind === 'Deployment');
  if (deployments.length !== 1) {
    throw new UsageError(
      `target.manifests must hold exactly one Deployment (the one releases are made from); found ${deployments.length}${deployments.length ? `: ${deployments.map((d) => `${d.object.metadata?.name} in ${where(d)}`).join(', ')}` : ''}`,
    );
  }
  const service = sources.find((s) => s.object.kind === 'Service' && s.object.metadata?.name === config.service);
  if (!service)
    throw new UsageError(
      `target.service is ${JSON.stringify(config.service)}, and no Service of that name is in target.manifests (${[...new Set(sources.map((s) => s.file))].join(', ')}) — add it or fix the name`,
    );
  const route = config.route
    ? sources.find((s) => s.object.kind === 'HTTPRoute' && s.object.metadata?.name === config.route)
    : undefined;
  if (config.route && !route)
    throw new UsageError(
      `target.route is ${JSON.stringify(config.route)}, and no HTTPRoute of that name is in target.manifests — add it, fix the name, or remove target.route for replica-ratio canaries`,
    );
  if (route && !backendRefsOf(route.object as Obj).some((ref) => ref.name === config.service)) {
    throw new UsageError(
      `${where(route)}: HTTPRoute/${config.route} has no backendRef to Service ${config.service} (target.service) — point one of its rules at it`,
    );
  }
  for (const s of sources) {
    const ns = s.object.metadata && (s.object.metadata as Obj).namespace;
    if (ns && ns !== config.namespace)
      throw new UsageError(
        `${where(s)}: ${s.object.kind}/${s.object.metadata?.name} sets metadata.namespace ${ns}, but target.namespace is ${config.namespace} — remove it from the manifest (Pilot passes --namespace)`,
      );
  }
  const spec = (deployments[0].object as Obj).spec ?? {};
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const shared = sources.filter((s) => s !== deployments[0] && s !== service && s !== route);
  return { deployment: deployments[0], service, route, shared, replicas };
}

/** A release version as a Kubernetes name part (`v12-1a2b3c4`; `.`, `_`, `+` become `-`). */
export const nameOf = (version: string) =>
  version
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
/** A release version as a label value (`+` is the only character of a version a label cannot hold). */
export const labelOf = (version: string) => version.replace(/[^A-Za-z0-9._-]/g, '-');

/** The per-release Deployment: `<name>-<version>`, labelled with the release in metadata, selector and pods, its image set. */
export function releaseDeployment(
  layout: Layout,
  config: KubernetesConfig,
  vars: Substitutions,
  replicas: number,
): RenderedObject {
  const source = substitute(structuredClone(layout.deployment.object) as Obj, vars);
  const release = labelOf(vars.version);
  const name = `${source.metadata.name}-${nameOf(vars.version)}`;
  if (name.length > 63)
    throw new UsageError(
      `Deployment name ${name} is longer than 63 characters — shorten the Deployment's name in ${layout.deployment.file} or the release version`,
    );
  const ours = { [RELEASE_LABEL]: release, [SERVICE_LABEL]: config.service };
  source.metadata = { ...source.metadata, name, labels: { ...source.metadata.labels, ...ours, ...MANAGED_BY } };
  source.spec = source.spec ?? {};
  source.spec.replicas = replicas;
  source.spec.selector = { ...source.spec.selector, matchLabels: { ...source.spec.selector?.matchLabels, ...ours } };
  source.spec.template = source.spec.template ?? {};
  const template = source.spec.template;
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...ours } };
  const containers: Obj[] = template.spec?.containers ?? [];
  const container = config.container ? containers.find((c) => c.name === config.container) : containers[0];
  if (!container)
    throw new UsageError(
      `${where(layout.deployment)}: Deployment/${layout.deployment.object.metadata?.name} has ${config.container ? `no container named ${config.container} (target.container)` : 'no containers'} — fix the manifest or target.container`,
    );
  container.image = substitute(config.image, vars);
  return { from: layout.deployment.file, object: source as RenderedObject['object'] };
}

/** The user's Service under `name`, selecting one release (or every release of the service with `version` null: replica-ratio canaries). */
export function releaseService(
  layout: Layout,
  config: KubernetesConfig,
  vars: Substitutions,
  name: string,
  version: string | null,
): RenderedObject {
  const source = substitute(structuredClone(layout.service.object) as Obj, vars);
  const derived = name !== config.service;
  source.metadata = {
    ...source.metadata,
    name,
    labels: { ...source.metadata.labels, [SERVICE_LABEL]: config.service, ...MANAGED_BY },
  };
  source.spec = {
    ...source.spec,
    selector: {
      ...source.spec?.selector,
      [SERVICE_LABEL]: config.service,
      ...(version === null ? {} : { [RELEASE_LABEL]: labelOf(version) }),
    },
  };
  if (derived) {
    // Pilot's own Services are internal: no second load balancer or node port for a preview.
    source.spec.type = 'ClusterIP';
    for (const key of [
      'clusterIP',
      'clusterIPs',
      'loadBalancerIP',
      'externalTrafficPolicy',
      'loadBalancerSourceRanges',
    ])
      delete source.spec[key];
    source.spec.ports = (source.spec.ports ?? []).map(({ nodePort: _, ...port }: Obj) => port);
  }
  return {
    from: derived ? `derived from ${layout.service.file}` : layout.service.file,
    object: source as RenderedObject['object'],
  };
}

/** The HTTPRoute with each backendRef to the Service split between `<service>-stable` and `<service>-preview` by weight. */
export function weightedRoute(
  layout: Layout,
  config: KubernetesConfig,
  vars: Substitutions,
  weight: number,
): RenderedObject {
  const source = substitute(structuredClone(layout.route!.object) as Obj, vars);
  source.metadata = {
    ...source.metadata,
    labels: { ...source.metadata.labels, [SERVICE_LABEL]: config.service, ...MANAGED_BY },
  };
  for (const rule of source.spec?.rules ?? [])
    rule.backendRefs = splitRefs(rule.backendRefs ?? [], config.service, weight);
  return { from: layout.route!.file, object: source as RenderedObject['object'] };
}

/** The merge patch that moves a Service to one release (null: to every release of the service) — the briefs' `kubectl patch service … selector`. */
export const selectorPatch = (version: string | null) =>
  JSON.stringify({ spec: { selector: { [RELEASE_LABEL]: version === null ? null : labelOf(version) } } });

/** JSON patches that set the weights on a live HTTPRoute (the same split as weightedRoute), one per rule that routes to the Service. */
export function routeWeightPatch(layout: Layout, config: KubernetesConfig, weight: number): Obj[] {
  const rules: Obj[] = (layout.route!.object as Obj).spec?.rules ?? [];
  return rules.flatMap((rule, i) =>
    (rule.backendRefs ?? []).some((ref: Obj) => ref.name === config.service)
      ? [
          {
            op: 'replace',
            path: `/spec/rules/${i}/backendRefs`,
            value: splitRefs(rule.backendRefs, config.service, weight),
          },
        ]
      : [],
  );
}

function splitRefs(refs: Obj[], service: string, weight: number): Obj[] {
  return refs.flatMap((ref) =>
    ref.name === service
      ? [
          { ...ref, name: `${service}-stable`, weight: 100 - weight },
          { ...ref, name: `${service}-preview`, weight },
        ]
      : [ref],
  );
}

const backendRefsOf = (route: Obj): Obj[] => (route.spec?.rules ?? []).flatMap((rule: Obj) => rule.backendRefs ?? []);

/** The other objects of the manifests, substituted, applied as they are with every release. */
export const sharedObjects = (layout: Layout, vars: Substitutions): RenderedObject[] =>
  layout.shared.map((s) => ({
    from: s.file,
    object: substitute(structuredClone(s.object), vars) as RenderedObject['object'],
  }));

/** How traffic moves: a Service selector (blue-green), HTTPRoute weights (Gateway API), or replica ratios. */
export type Traffic = 'selector' | 'gateway' | 'replicas';

/** What prepare applies for a release: its Deployment with the shared objects (recorded for rollback), then the Services and route. */
export function renderRelease(
  layout: Layout,
  config: KubernetesConfig,
  traffic: Traffic,
  vars: Substitutions,
  stableVersion: string | undefined,
) {
  const first = !stableVersion || stableVersion === vars.version;
  // A replica-ratio canary starts with one pod (for the preview Service) and grows with each shift.
  const replicas = traffic === 'replicas' && !first ? 1 : layout.replicas;
  const release = [...sharedObjects(layout, vars), releaseDeployment(layout, config, vars, replicas)];
  const selected = stableVersion ?? vars.version;
  const services = [
    releaseService(layout, config, vars, `${config.service}-preview`, vars.version),
    releaseService(layout, config, vars, config.service, selected),
  ];
  if (traffic === 'gateway')
    services.push(
      releaseService(layout, config, vars, `${config.service}-stable`, selected),
      weightedRoute(layout, config, vars, 0),
    );
  return { release, services };
}
