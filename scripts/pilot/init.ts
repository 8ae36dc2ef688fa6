import { defineCommand, writeStarterConfig } from '@pilot/core';

export const initCommand = defineCommand({
  name: 'pilot init',
  summary: 'write a commented starter pilot.config.ts for your service',
  usage: ['pilot init [--force]'],
  flags: { force: { type: 'boolean', description: 'overwrite an existing pilot.config.ts' } },
  async run({ flags, cwd, result }) {
    const file = await writeStarterConfig(cwd, flags.force);
    // Preflight refuses a dirty work tree, so the config is committed before the first plan.
    const steps = ['edit service (dir, package, build, start) and the environments (ports) in it', 'commit it: git add pilot.config.ts && git commit -m "pilot config"', 'see the plan, which builds and starts nothing: pnpm pilot --dry-run'];
    result({ file, next: steps }, `wrote ${file}\nnext:\n${steps.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}`);
  },
});
