import { UsageError, defineCommand, openEnv } from '@pilot/core';
import { approveRelease } from '@pilot/orchestrator';

export const approveCommand = defineCommand({
  name: 'pilot approve',
  summary: 'approve a release for an environment, signed with your SSH key (checked against policies/allowed_signers)',
  usage: [
    'pilot approve --env E --release V [--role R] [--key FILE | --sign] [--expires DURATION] [--as NAME] [--note TEXT] [--json]',
  ],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment' },
    release: { type: 'string', placeholder: 'V', description: 'release version (from `pnpm pilot --dry-run`)' },
    role: { type: 'string', placeholder: 'R', description: 'role the environment requires, e.g. security' },
    key: {
      type: 'string',
      placeholder: 'FILE',
      description: 'SSH private key to sign with (a .pub file: the ssh-agent signs)',
    },
    sign: {
      type: 'boolean',
      description: 'sign through the ssh-agent (implied where the environment requires signatures)',
    },
    expires: {
      type: 'string',
      placeholder: 'DURATION',
      description: 'a signed approval is valid this long (default: approvals.expire)',
    },
    as: {
      type: 'string',
      placeholder: 'NAME',
      description: 'approver (unsigned: default git user; signed: your principal in allowed_signers)',
    },
    note: { type: 'string', placeholder: 'TEXT', description: 'why' },
  },
  async run({ flags, cwd, log, result }) {
    if (!flags.env) throw new UsageError('pilot approve: --env is required (the environment the approval is for)');
    if (!flags.release)
      throw new UsageError('pilot approve: --release is required (the version, as `pnpm pilot --dry-run` prints it)');
    const ctx = await openEnv(cwd, flags.env, log);
    const out = await approveRelease({
      ctx,
      release: flags.release,
      as: flags.as,
      role: flags.role,
      note: flags.note,
      key: flags.key,
      sign: flags.sign,
      expires: flags.expires,
    });
    const how = out.approval.signature ? 'signed, verified against policies/allowed_signers' : 'unsigned';
    result(
      { ...out, approval: { ...out.approval, signature: out.approval.signature ? '(ssh signature)' : undefined } },
      `approved ${out.approval.release} for ${ctx.envName} as ${out.approval.approver}${out.approval.role ? ` (${out.approval.role})` : ''}, ${how} — ${out.satisfied ? 'approvals complete' : `still needs ${out.missing.join(' and ')}`}`,
    );
  },
});
