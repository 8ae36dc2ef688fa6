import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { userInfo } from 'node:os';
import { PilotError, RefusedError, parseDuration, pilotScriptArgs, stateDir } from '@pilot/core';
import { type RouterLocation, routerDirOf } from '../control.ts';
import { baseEnv } from '../daemon/release-env.ts';

/** What a router unit is made of (all absolute paths). */
export interface RouterUnitOptions {
  envName: string;
  /** The repository (the working directory: pilot.config.ts is found from there). */
  root: string;
  /** Pilot's state folder (`.pilot`, or PILOT_STATE_DIR), passed to the router explicitly. */
  stateDir: string;
  /** `.pilot/router/<env>`: the unit file is written here, beside the optional environment file. */
  routerDir: string;
  /** node, then Pilot's CLI and its arguments up to `router`. */
  command: string[];
  user: string;
  /** PATH, HOME, LANG… as the installing shell has them (a service manager starts with next to nothing). */
  env: Record<string, string>;
  /** A system unit (runs as `user`, for /etc/systemd/system) instead of a user unit (`systemctl --user`). */
  system?: boolean;
  /** How long the router may take to stop its releases (drain and grace) before the service manager kills it. */
  stopTimeoutSec: number;
}

export const routerUnitName = (envName: string) => `pilot-router-${envName}.service`;

/** The file of variables service.env passes through by name (`{ fromEnv }`): NAME=value lines, mode 0600, optional. */
export const routerEnvFile = (routerDir: string) => join(routerDir, 'router.env');

/**
 * A value quoted for a unit file: `%` is systemd's specifier everywhere, `$` a variable in ExecStart only; quotes and
 * backslashes are escaped inside the double quotes a value with spaces gets.
 */
function quote(value: string, exec = false): string {
  let escaped = value.replaceAll('%', '%%').replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  if (exec) escaped = escaped.replaceAll('$', '$$$$');
  return /[\s"'\\]/.test(value) || escaped === '' ? `"${escaped}"` : escaped;
}

/** The systemd unit that keeps the router of an environment running: the router in the foreground, restarted whenever it exits. */
export function renderRouterUnit(o: RouterUnitOptions): string {
  const lines = [
    `# Written by \`pnpm pilot router install --env ${o.envName}\`. Re-run it after moving the repository or Node.js.`,
    '[Unit]',
    `Description=Pilot router for ${o.envName} (${o.root})`,
    'After=network.target',
    // Never give up restarting: a router that cannot start says why in the journal, and comes back once it can.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    o.system ? `User=${o.user}` : `# Runs as ${o.user}: a user unit runs as the user whose service manager starts it.`,
    `WorkingDirectory=${quote(o.root)}`,
    ...Object.entries({ ...o.env, PILOT_STATE_DIR: o.stateDir }).map(
      ([name, value]) => `Environment=${quote(`${name}=${value}`)}`,
    ),
    '# Variables that service.env passes through by name ({ fromEnv }): NAME=value lines in this file (mode 0600).',
    `EnvironmentFile=-${quote(routerEnvFile(o.routerDir))}`,
    `ExecStart=${[...o.command, 'start', '--foreground', '--env', o.envName].map((arg) => quote(arg, true)).join(' ')}`,
    'Restart=always',
    'RestartSec=200ms',
    // The router stops its releases itself on SIGTERM. If it crashes, they keep serving and the next router takes them over.
    'KillMode=process',
    `TimeoutStopSec=${o.stopTimeoutSec}`,
    '',
    '[Install]',
    `WantedBy=${o.system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}

/** The unit of this environment's router as this shell would run it: this Node.js, this Pilot, this user, PATH and HOME. */
export function routerUnitOptions(o: RouterLocation, system = false): RouterUnitOptions {
  const target = o.env.target;
  const stopMs = target.kind === 'local' ? parseDuration(target.drainTimeout) + parseDuration(target.stopGrace) : 0;
  return {
    envName: o.envName,
    root: o.root,
    stateDir: stateDir(o.root),
    routerDir: routerDirOf(o.root, o.envName),
    command: [process.execPath, ...pilotScriptArgs('pilot'), 'router'],
    user: userInfo().username,
    env: baseEnv(process.env),
    system,
    stopTimeoutSec: Math.ceil(stopMs / 1000) + 10,
  };
}

/** What `pilot router install` did (or, with dryRun, would do). */
export interface InstallResult {
  unit: string;
  name: string;
  file: string;
  /** The systemctl commands run (or to run by hand). */
  commands: string[][];
  enabled: boolean;
}

const run = promisify(execFile);

/**
 * Writes the unit to `<routerDir>/<name>` and, with `enable`, links it into the service manager and starts it now and at
 * boot (`systemctl [--user] link`, `enable --now`). `dryRun` changes nothing.
 */
export async function installRouterUnit(
  o: RouterUnitOptions,
  flags: { enable?: boolean; dryRun?: boolean },
): Promise<InstallResult> {
  const unit = renderRouterUnit(o);
  const name = routerUnitName(o.envName);
  const file = join(o.routerDir, name);
  const scope = o.system ? [] : ['--user'];
  const commands = [
    ['systemctl', ...scope, 'link', file],
    ['systemctl', ...scope, 'enable', '--now', name],
  ];
  if (flags.dryRun) return { unit, name, file, commands, enabled: false };
  await mkdir(o.routerDir, { recursive: true });
  await writeFile(file, unit);
  if (!flags.enable) return { unit, name, file, commands, enabled: false };
  const manager = o.system ? 'the system service manager' : 'your user service manager';
  try {
    // Answers only when a service manager is there to talk to (no D-Bus session, no systemd as init: it is not).
    await run('systemctl', [...scope, 'show-environment'], { timeout: 10_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    const why =
      e.code === 'ENOENT'
        ? 'systemctl is not installed here'
        : `systemctl ${scope.join(' ')} cannot reach ${manager} (${`${e.stderr || e.message}`.trim().split('\n')[0]})`.replace(
            '  ',
            ' ',
          );
    throw new RefusedError(
      `cannot enable ${name}: ${why} — the unit is written to ${file}; on a machine with systemd run: ${commands.map((c) => c.join(' ')).join(' && ')}${o.system ? '' : ' (and `loginctl enable-linger` so it starts at boot without a login)'}; or keep \`${[...o.command, 'start', '--foreground', '--env', o.envName].join(' ')}\` running under another supervisor`,
    );
  }
  for (const command of commands) {
    try {
      await run(command[0], command.slice(1), { timeout: 60_000 });
    } catch (error) {
      throw new PilotError(
        `\`${command.join(' ')}\` failed: ${`${(error as { stderr?: string }).stderr ?? (error as Error).message}`.trim()} — the unit is written to ${file}`,
        1,
        { cause: error },
      );
    }
  }
  return { unit, name, file, commands, enabled: true };
}
