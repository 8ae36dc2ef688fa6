import { ExitCode, defineCommand, findConfigFile, UsageError } from '@pilot/core';
import { formatDemo, runDemo } from '@pilot/orchestrator';
import { dirname } from 'node:path';

export const demoCommand = defineCommand({
  name: 'pilot demo',
  summary: 'the end-to-end demo: build the demo service, deploy v1, canary v2 to 100%, watch a faulty v3 roll back',
  usage: ['pilot demo [--keep] [--json]'],
  flags: { keep: { type: 'boolean', description: 'keep the demo state dir (journals, releases) for inspection' } },
  async run({ flags, cwd, log, signal, result }) {
    const file = findConfigFile(cwd);
    if (!file) throw new UsageError('pilot demo: run it inside the Pilot repository (no pilot.config.ts found)');
    const outcome = await runDemo({ root: dirname(file), log, signal, keep: flags.keep });
    result(outcome, formatDemo(outcome));
    return outcome.ok ? ExitCode.ok : ExitCode.failed;
  },
});
