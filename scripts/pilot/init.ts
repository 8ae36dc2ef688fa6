import { defineCommand, writeStarterConfig } from '@pilot/core';

export const initCommand = defineCommand({
  name: 'pilot init',
  summary: 'write a commented starter pilot.config.ts for your service',
  usage: ['pilot init [--force]'],
  flags: { force: { type: 'boolean', description: 'overwrite an existing pilot.config.ts' } },
  async run({ flags, cwd, result }) {
    const file = await writeStarterConfig(cwd, flags.force);
    result({ file }, `wrote ${file} — edit service.dir/start and the environments, then run \`pnpm pilot --dry-run\``);
  },
});
