import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  type Logger,
  PilotError,
  type PlanStep,
  type Release,
  type StrategyConfig,
  type TargetDriver,
  type TargetStatus,
  parseDuration,
  stateDir,
} from '@pilot/core';
import { stringify } from 'yaml';
import {
  type KubernetesConfig,
  type Layout,
  type Traffic,
  labelOf,
  layoutOf,
  nameOf,
  renderRelease,
  routeWeightPatch,
  selectorPatch,
} from './derive.ts';
import {
  type KubectlScope,
  type PortForward,
  currentContext,
  kubectlArgv,
  openPortForward,
  runKubectl,
} from './kubectl.ts';
import { manifestFiles, readManifests, type Substitutions } from './manifests.ts';
import { KEEP_WARM_ANNOTATION, readCluster, statusOf } from './status.ts';
import { type RenderedObject, validateObjects } from './validate.ts';

export interface KubernetesTargetOptions {
  config: KubernetesConfig;
  root: string;
  envName: string;
  log: Logger;
  /** The release serving now (the journal's view), for the Service a first prepare creates. */
  stable?: () => Promise<Release | undefined>;
  signal?: AbortSignal;
  strategy?: StrategyConfig;
  /** Reach the preview Service through a `kubectl port-forward` when no previewUrl is set (not for a read-only view). */
  forwardPreview?: boolean;
}

const APPLY = ['apply', '--server-side', '--field-manager=pilot', '--force-conflicts', '-f'];

/** The `kubernetes` target: the team's own manifests, per-release Deployments and Service selectors moved through kubectl. */
export function createKubernetesTarget(
  o: KubernetesTargetOptions,
): TargetDriver & { validate(candidate: Release): Promise<void>; retire(old: Release): Promise<void> } {
  const { config, log } = o;
  const traffic: Traffic = o.strategy?.kind === 'blue-green' ? 'selector' : config.route ? 'gateway' : 'replicas';
  const keepWarmMs = o.strategy?.kind === 'blue-green' ? parseDuration(o.strategy.keepWarm, 'strategy.keepWarm') : 0;
  const rolloutTimeout = `${Math.round(parseDuration(config.rolloutTimeout, 'target.rolloutTimeout') / 1000)}s`;
  const records = join(stateDir(o.root), 'kubernetes', o.envName);
  let scope: KubectlScope | undefined;
  let layout: Layout | undefined;
  // The preview Service's port-forward, per release: opened when smoke tests or analysis first ask for it.
  const forwards = new Map<string, Promise<PortForward>>();
  const closeForwards = () => {
    for (const forward of forwards.values())
      void forward.then(
        (f) => f.close(),
        () => {},
      );
    forwards.clear();
  };

  const scopeOf = async (): Promise<KubectlScope> =>
    (scope ??= {
      context: config.context ?? (await currentContext(o.root)),
      namespace: config.namespace,
      cwd: o.root,
      log,
    });
  const layoutNow = async () =>
    (layout ??= layoutOf(await readManifests(o.root, await manifestFiles(o.root, config.manifests)), config));
  const varsOf = (release: Release): Substitutions => ({
    version: release.version,
    env: o.envName,
    digest: release.digest ?? '',
    commit: release.commit ?? '',
  });
  const deploymentOf = (l: Layout, version: string) => `${l.deployment.object.metadata!.name}-${nameOf(version)}`;
  const recordOf = (version: string) => join(records, `${version}.yaml`);
  const trafficFileOf = (version: string) => join(records, `${version}.services.yaml`);
  const kubectl = async (args: string[], cancellable = true) =>
    runKubectl(await scopeOf(), args, { signal: cancellable ? o.signal : undefined });

  /** Everything prepare applies for a release, validated against the Kubernetes schemas before anything is applied. */
  async function render(candidate: Release, stableVersion: string | undefined) {
    const rendered = renderRelease(await layoutNow(), config, traffic, varsOf(candidate), stableVersion);
    validateObjects([...rendered.release, ...rendered.services]);
    return rendered;
  }

  /** The kubectl calls of each phase, as run and as the dry run prints them. */
  async function phase(name: 'prepare' | 'shift' | 'promote', candidate: Release, weight = 100): Promise<string[][]> {
    const l = await layoutNow();
    const deployment = `deployment/${deploymentOf(l, candidate.version)}`;
    const rollout = ['rollout', 'status', deployment, `--timeout=${rolloutTimeout}`];
    if (name === 'prepare') {
      return [
        [...APPLY, relative(o.root, recordOf(candidate.version))],
        rollout,
        ['wait', '--for=condition=Available', deployment, `--timeout=${rolloutTimeout}`],
        [...APPLY, relative(o.root, trafficFileOf(candidate.version))],
      ];
    }
    if (name === 'shift' && weight < 100) {
      if (traffic === 'gateway')
        return [
          [
            'patch',
            'httproute',
            config.route!,
            '--type=json',
            '-p',
            JSON.stringify(routeWeightPatch(l, config, weight)),
          ],
        ];
      if (traffic === 'replicas') {
        // Stable keeps its pods (a rollback needs no scale-up); the candidate gets about weight% of all pods behind one selector.
        const ours = Math.max(1, Math.round((l.replicas * weight) / (100 - weight)));
        return [
          ['scale', deployment, `--replicas=${ours}`],
          rollout,
          ['patch', 'service', config.service, '--type=merge', '-p', selectorPatch(null)],
        ];
      }
      return [];
    }
    // Promote: the candidate takes all traffic; the old release is scaled down later (kept warm for blue-green).
    const select = ['patch', 'service', config.service, '--type=merge', '-p', selectorPatch(candidate.version)];
    if (traffic === 'gateway')
      return [
        ['patch', 'service', `${config.service}-stable`, '--type=merge', '-p', selectorPatch(candidate.version)],
        ['patch', 'httproute', config.route!, '--type=json', '-p', JSON.stringify(routeWeightPatch(l, config, 0))],
        select,
      ];
    if (traffic === 'replicas') return [['scale', deployment, `--replicas=${l.replicas}`], rollout, select];
    return [select];
  }

  async function writeRecords(candidate: Release): Promise<void> {
    const { release, services } = await render(candidate, (await o.stable?.())?.version);
    await mkdir(records, { recursive: true });
    // Kept after the deployment: `pnpm rollback --to V` re-applies exactly what V ran with.
    await writeFile(recordOf(candidate.version), toYaml(release));
    await writeFile(trafficFileOf(candidate.version), toYaml(services));
  }

  async function run(commands: string[][], cancellable = true): Promise<void> {
    for (const args of commands) {
      log.info('target.kubectl', kubectlArgv(await scopeOf(), args).join(' '));
      await kubectl(args, cancellable);
    }
  }

  /** Scales to zero every release of the service that is running and neither `keep` nor kept warm. */
  async function scaleDownOthers(keep: string[]): Promise<string[]> {
    const view = await readCluster(await scopeOf(), { service: config.service, route: config.route });
    const now = Date.now();
    const others = view.releases.filter(
      (r) =>
        r.replicas > 0 &&
        !keep.map(labelOf).includes(r.version) &&
        !(r.keepWarmUntil && Date.parse(r.keepWarmUntil) > now),
    );
    await run(
      others.map((r) => ['scale', `deployment/${r.deployment}`, '--replicas=0']),
      false,
    );
    return others.map((r) => r.version);
  }

  return {
    kind: 'kubernetes',
    async plan(candidate, weights) {
      const stableVersion = (await o.stable?.())?.version;
      const { release, services } = await render(candidate, stableVersion);
      const s = await scopeOf();
      const steps: PlanStep[] = [...release, ...services].map(({ from, object }) => ({
        action: 'dry-run',
        description: `manifest ${object.kind}/${object.metadata.name} (${from}), validated against the Kubernetes schema:\n${indent(stringify(object))}`,
      }));
      steps.push({ action: 'dry-run', description: await diffAgainstCluster(s, [...release, ...services]) });
      for (const args of await phase('prepare', candidate))
        steps.push({ action: 'prepare', description: `prepare ${candidate.version}`, command: kubectlArgv(s, args) });
      for (const weight of weights.filter((w) => w < 100))
        for (const args of await phase('shift', candidate, weight))
          steps.push({
            action: 'shift',
            description: `shift ${weight}% to ${candidate.version}${traffic === 'replicas' ? ' (replica ratio: approximate)' : ''}`,
            command: kubectlArgv(s, args),
          });
      for (const args of await phase('promote', candidate))
        steps.push({
          action: 'promote',
          description: `promote ${candidate.version} to 100%`,
          command: kubectlArgv(s, args),
        });
      const old =
        stableVersion && stableVersion !== candidate.version
          ? deploymentOf(await layoutNow(), stableVersion)
          : undefined;
      if (old)
        steps.push({
          action: 'stop',
          description: keepWarmMs
            ? `keep ${stableVersion} warm for ${keepWarmMs / 1000}s, then scale it to 0`
            : `scale ${stableVersion} to 0 after the deployment`,
          command: kubectlArgv(
            s,
            keepWarmMs
              ? ['annotate', `deployment/${old}`, `${KEEP_WARM_ANNOTATION}=<now + keepWarm>`, '--overwrite']
              : ['scale', `deployment/${old}`, '--replicas=0'],
          ),
        });
      if (stableVersion)
        steps.push({
          action: 'rollback',
          description: `roll back: traffic to ${stableVersion} first, then ${candidate.version} scaled to 0`,
          command: kubectlArgv(s, [
            'patch',
            'service',
            config.service,
            '--type=merge',
            '-p',
            selectorPatch(stableVersion),
          ]),
        });
      return steps;
    },
    /** Renders and validates what a deployment of `candidate` would apply: a bad manifest is exit 2 before anything happens. */
    async validate(candidate: Release) {
      await render(candidate, (await o.stable?.())?.version);
    },
    async prepare(candidate) {
      await writeRecords(candidate);
      await run(await phase('prepare', candidate));
    },
    async shift(candidate, weight) {
      await run(await phase(weight >= 100 ? 'promote' : 'shift', candidate, weight));
    },
    async promote(candidate) {
      await run(await phase('promote', candidate));
      closeForwards();
    },
    async rollback(to) {
      const target = to ?? (await o.stable?.());
      if (!target) throw new PilotError(`no release to roll back to on ${o.envName}`);
      const l = await layoutNow();
      const deployment = deploymentOf(l, target.version);
      const view = await readCluster(await scopeOf(), { service: config.service, route: config.route });
      const there = view.releases.find((r) => r.deployment === deployment);
      const commands: string[][] = [];
      if (!there) {
        if (!existsSync(recordOf(target.version)))
          throw new PilotError(
            `Deployment ${deployment} is not in namespace ${config.namespace} and Pilot has no recorded manifests for ${target.version} (${relative(o.root, recordOf(target.version))}) — deploy it again: pnpm pilot --env ${o.envName} --version ${target.version}`,
          );
        commands.push([...APPLY, relative(o.root, recordOf(target.version))]);
      }
      if (!there || there.replicas < l.replicas)
        commands.push(['scale', `deployment/${deployment}`, `--replicas=${l.replicas}`]);
      if (commands.length)
        commands.push(['rollout', 'status', `deployment/${deployment}`, `--timeout=${rolloutTimeout}`]);
      // Traffic back first; only then is the candidate scaled to zero (a rollback is clean-up: never cancelled).
      if (traffic === 'gateway')
        commands.push(
          ['patch', 'service', `${config.service}-stable`, '--type=merge', '-p', selectorPatch(target.version)],
          ['patch', 'httproute', config.route!, '--type=json', '-p', JSON.stringify(routeWeightPatch(l, config, 0))],
        );
      commands.push(['patch', 'service', config.service, '--type=merge', '-p', selectorPatch(target.version)]);
      await run(commands, false);
      closeForwards();
      const stopped = await scaleDownOthers([target.version]);
      if (stopped.length) log.info('target.scaled-down', `scaled to 0: ${stopped.join(', ')}`);
    },
    async withdraw(candidate) {
      closeForwards();
      await run([['scale', `deployment/${deploymentOf(await layoutNow(), candidate.version)}`, '--replicas=0']], false);
    },
    async retire(old) {
      const name = `deployment/${deploymentOf(await layoutNow(), old.version)}`;
      const until = new Date(Date.now() + keepWarmMs).toISOString();
      await run(
        [
          keepWarmMs
            ? ['annotate', name, `${KEEP_WARM_ANNOTATION}=${until}`, '--overwrite']
            : ['scale', name, '--replicas=0'],
        ],
        false,
      );
      const live = statusOf(await readCluster(await scopeOf(), { service: config.service, route: config.route })).stable
        ?.version;
      await scaleDownOthers([live ?? old.version, old.version]);
    },
    status: readStatus,
  };

  async function readStatus(): Promise<TargetStatus> {
    const status = statusOf(
      await readCluster(await scopeOf(), { service: config.service, route: config.route, signal: o.signal }),
    );
    const preview = status.details?.preview as string | undefined;
    const own = (status.details!.releases as { version: string; state: string; url?: string }[]).find(
      (r) => r.version === preview && r.state === 'running',
    );
    // Smoke tests and pre-promotion analysis reach the candidate through the preview Service, before any user does.
    if (own && config.previewUrl) own.url = config.previewUrl.replace(/\{version\}/g, own.version);
    else if (own && o.forwardPreview !== false) {
      if (!forwards.has(own.version))
        forwards.set(
          own.version,
          scopeOf().then((s) => openPortForward(s, `service/${config.service}-preview`, config.port)),
        );
      own.url = (await forwards.get(own.version)!).url;
    }
    return status;
  }
}

/** `kubectl diff` of what prepare would apply, when the cluster answers; otherwise why there is no diff. */
async function diffAgainstCluster(scope: KubectlScope, objects: RenderedObject[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-k8s-diff-'));
  try {
    const file = join(dir, 'objects.yaml');
    await writeFile(file, toYaml(objects));
    const r = await runKubectl(
      scope,
      ['diff', '--server-side', '--field-manager=pilot', '--force-conflicts', '--request-timeout=5s', '-f', file],
      { allowFailure: true, timeoutMs: 15_000 },
    );
    if (r.exitCode === 0) return 'kubectl diff: the cluster already matches';
    if (r.exitCode === 1) return `kubectl diff against ${scope.context}/${scope.namespace}:\n${indent(r.stdout)}`;
    return `kubectl diff: cluster ${scope.context} not reachable (${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}) — no diff shown`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const toYaml = (objects: RenderedObject[]) => objects.map((r) => stringify(r.object)).join('---\n');
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
