import { defineCommand, openEnv, pickAction } from '@pilot/core';
import { startRouter } from '@pilot/router';

export const maintenanceCommand = defineCommand({
  name: 'pilot maintenance',
  summary: 'emergency stop: the router answers 503 with a message (its health path still answers)',
  usage: ['pilot maintenance on --env E [--message TEXT]', 'pilot maintenance off --env E'],
  flags: {
    env: { type: 'string', placeholder: 'E', description: 'environment (default: staging)' },
    message: {
      type: 'string',
      placeholder: 'TEXT',
      description: 'what users see (default: "Service under maintenance")',
    },
  },
  async run({ flags, positionals, cwd, log, result }) {
    const action = pickAction('pilot maintenance', positionals[0], ['on', 'off']);
    const ctx = await openEnv(cwd, flags.env, log);
    const { client } = await startRouter({
      root: ctx.root,
      envName: ctx.envName,
      env: ctx.env,
      readyPath: ctx.config.service.health.ready,
    });
    await client.post('/admin/maintenance', { on: action === 'on', message: flags.message });
    result(
      { env: ctx.envName, maintenance: action === 'on' },
      action === 'on'
        ? `maintenance ON for ${ctx.envName}: every request gets 503 — \`pnpm pilot maintenance off --env ${ctx.envName}\` lifts it`
        : `maintenance OFF for ${ctx.envName}`,
    );
  },
});
