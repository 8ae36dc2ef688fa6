import { UsageError, defineCommand, writeStarterConfig } from '@pilot/core';
import { writeKubernetesStarter } from '@pilot/orchestrator';

const TARGETS = ['local', 'kubernetes'];

export const initCommand = defineCommand({
  name: 'pilot init',
  summary: 'write a commented starter pilot.config.ts for your service',
  usage: ['pilot init [--target local|kubernetes] [--force]'],
  flags: {
    force: { type: 'boolean', description: 'overwrite an existing pilot.config.ts' },
    target: {
      type: 'string',
      placeholder: 'T',
      description:
        'local (default): the embedded router; kubernetes: a cluster through kubectl, with example manifests',
    },
  },
  examples: ['pnpm pilot init', 'pnpm pilot init --target kubernetes'],
  async run({ flags, cwd, result }) {
    const target = flags.target ?? 'local';
    if (!TARGETS.includes(target))
      throw new UsageError(
        `--target ${JSON.stringify(target)} is not a target pilot init knows — use --target local or --target kubernetes (for the command target, start from local and set environments.<name>.target)`,
      );
    const files =
      target === 'kubernetes'
        ? await writeKubernetesStarter(cwd, flags.force)
        : [await writeStarterConfig(cwd, flags.force)];
    // Preflight refuses a dirty work tree, so the config is committed before the first plan.
    const steps =
      target === 'kubernetes'
        ? [
            'edit service, the target (context, namespace, image, service) and deploy/k8s/my-service.yaml',
            'commit them: git add pilot.config.ts deploy/k8s && git commit -m "pilot config"',
            'see the plan — every manifest and kubectl command, nothing applied: pnpm pilot --dry-run',
          ]
        : [
            'edit service (dir, package, build, start) and the environments (ports) in it',
            'commit it: git add pilot.config.ts && git commit -m "pilot config"',
            'see the plan, which builds and starts nothing: pnpm pilot --dry-run',
          ];
    result(
      { file: files[0], files, next: steps },
      `wrote ${files.join(', ')}\nnext:\n${steps.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}`,
    );
  },
});
