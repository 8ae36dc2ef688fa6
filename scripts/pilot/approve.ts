import { UsageError, defineCommand, openEnv } from '@pilot/core';
import { approveRelease } from '@pilot/orchestrator';

export const approveCommand = defineCommand({
  name: 'pilot approve',
  summary: 'record an approval of a release for an environment (a local record, not authentication)',
  usage: ['pilot approve --env E --release V [--as NAME] [--role R] [--note TEXT] [--json]'],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment' },
    release: { type: 'string', placeholder: 'V', description: 'release version (from `pnpm pilot --dry-run`)' },
    as: { type: 'string', placeholder: 'NAME', description: 'approver (default: git user.name <user.email>)' },
    role: { type: 'string', placeholder: 'R', description: 'role the environment requires, e.g. security' },
    note: { type: 'string', placeholder: 'TEXT', description: 'why' },
  },
  async run({ flags, cwd, log, result }) {
    if (!flags.env) throw new UsageError('pilot approve: --env is required (the environment the approval is for)');
    if (!flags.release) throw new UsageError('pilot approve: --release is required (the version, as `pnpm pilot --dry-run` prints it)');
    const ctx = await openEnv(cwd, flags.env, log);
    const out = await approveRelease({ ctx, release: flags.release, as: flags.as, role: flags.role, note: flags.note });
    result(out, `approved ${out.approval.release} for ${ctx.envName} as ${out.approval.approver}${out.approval.role ? ` (${out.approval.role})` : ''} — ${out.satisfied ? 'approvals complete' : `still needs ${out.missing.join(' and ')}`}`);
  },
});
