import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';
import {
  type EnvContext,
  RefusedError,
  describeFreeze,
  describeHolder,
  readFreeze,
  readLock,
  shell,
} from '@pilot/core';
import { routerDirOf, routerRunning } from '@pilot/router';
import { dirtyPaths } from '../git/git.ts';
import { checkApprovals, releaseDigest, signatureContext } from '../state/approvals.ts';
import { readHistory, wasPromoted } from '../state/history.ts';
import { listensOn } from './port-owner.ts';
import { describeWindows, insideDeployWindow } from './windows.ts';

/** One preflight check: what was checked, whether it passed, and (when not) exactly what to do. */
export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Failed but overridden by --force (recorded in the journal). */
  forced?: boolean;
}

export interface PreflightOptions {
  ctx: EnvContext;
  commit: string;
  version: string;
  force?: boolean;
  /** Dry runs take no lock, so a held lock is reported but does not refuse the plan. */
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

/** Runs every check (not stopping at the first) so one run lists everything to fix. */
export async function runPreflight(o: PreflightOptions): Promise<PreflightCheck[]> {
  const { ctx } = o;
  const checks: PreflightCheck[] = [];
  const add = (c: PreflightCheck) => checks.push(c);

  const branch = ctx.env.branch;
  if (branch) {
    // The commit must be reachable from the environment's branch (exit 0 of merge-base --is-ancestor).
    const onBranch =
      (await shell({ cwd: ctx.root, nothrow: true })`git merge-base --is-ancestor ${o.commit} ${branch}`).exitCode ===
      0;
    add({
      name: 'branch',
      ok: onBranch,
      detail: onBranch
        ? `${o.commit.slice(0, 7)} is on ${branch}`
        : `${o.commit.slice(0, 7)} is not on branch ${branch}`,
      fix: `environments.${ctx.envName}.branch is ${branch}: merge the change into ${branch} and deploy from there (or --ref a commit on ${branch})`,
    });
  }

  const dirty = await dirtyPaths(ctx.root);
  const allowed = ['.pilot/', ...ctx.config.git.allowDirty];
  const blocking = dirty.filter(
    (path) => !allowed.some((a) => path === a || path.startsWith(a.endsWith('/') ? a : `${a}/`)),
  );
  add({
    name: 'clean work tree',
    ok: blocking.length === 0,
    detail: blocking.length
      ? `uncommitted changes: ${blocking.slice(0, 5).join(', ')}${blocking.length > 5 ? ` and ${blocking.length - 5} more` : ''}`
      : 'clean',
    fix: 'commit or stash them (or list paths that may stay dirty in git.allowDirty)',
  });

  // With migrations configured the log exists by default: safe-migration appends to it and pilot commits it.
  const migrationLog = ctx.config.git.migrationLog ?? (ctx.config.migrations ? '.async-migration-log' : undefined);
  if (migrationLog) {
    const changed = (await dirtyPaths(ctx.root, [migrationLog])).length > 0;
    add({
      name: 'migration log',
      ok: !changed,
      detail: changed ? `${migrationLog} has uncommitted changes` : `${migrationLog} committed`,
      fix: `commit ${migrationLog} before deploying (it records which migrations ran)`,
    });
  }

  const workspace = ctx.config.service.package ? await injectedWorkspaceCheck(ctx.root, o.commit) : undefined;
  if (workspace) add(workspace);

  const env = o.env ?? process.env;
  add(await toolCheck('git', ['--version'], env, 'install git (apt-get install -y git)'));
  if (ctx.config.git.github) {
    const gh = await toolCheck(
      'gh',
      ['--version'],
      env,
      'install the GitHub CLI (https://cli.github.com) — git.github is true in pilot.config.ts',
    );
    add(gh);
    if (gh.ok) {
      const auth = await shell({ env, inheritEnv: false, nothrow: true })`gh auth status`;
      add({
        name: 'gh auth',
        ok: auth.exitCode === 0,
        detail: auth.exitCode === 0 ? 'gh is logged in' : `gh auth status failed: ${auth.stdall.trim().split('\n')[0]}`,
        fix: 'run `gh auth login` (or set GH_TOKEN in CI)',
      });
    }
  }

  add(await startCommandCheck(ctx, env));

  if (ctx.env.target.kind === 'local') {
    // Ours only if this environment's router process itself listens there: a router that answers on its admin port
    // says nothing about who holds the service port now (the config's port may have changed to a foreign one).
    const router = await routerRunning(routerDirOf(ctx.root, ctx.envName));
    const ours = async (port: number) =>
      Boolean(
        router &&
          ((await listensOn(router.pid, port)) ?? [router.settings.port, router.settings.adminPort].includes(port)),
      );
    const adminPort = ctx.env.target.adminPort;
    if (adminPort) {
      const adminFree = await portFree(adminPort);
      const adminOurs = !adminFree && (await ours(adminPort));
      add({
        name: 'router admin port',
        ok: adminFree || adminOurs,
        detail: adminFree
          ? `port ${adminPort} is free`
          : adminOurs
            ? `port ${adminPort} is our router's admin API`
            : `port ${adminPort} is in use by another process`,
        fix: `stop what listens on ${adminPort} or change environments.${ctx.envName}.target.adminPort`,
      });
    }
    const free = await portFree(ctx.env.port);
    const servedByUs = !free && (await ours(ctx.env.port));
    const elsewhere =
      router && router.settings.port !== ctx.env.port
        ? ` (this environment's router listens on ${router.settings.port}: \`pnpm pilot router stop --env ${ctx.envName}\` before changing the port)`
        : '';
    add({
      name: 'service port',
      ok: free || servedByUs,
      detail: free
        ? `port ${ctx.env.port} is free`
        : servedByUs
          ? `port ${ctx.env.port} is served by our router (pid ${router!.pid})`
          : `port ${ctx.env.port} is in use by another process${elsewhere}`,
      fix: `stop what listens on ${ctx.env.port} (\`ss -ltnp 'sport = :${ctx.env.port}'\`) or change environments.${ctx.envName}.port`,
    });
  }

  if (ctx.env.windows.length) {
    const inside = insideDeployWindow(ctx.env.windows, o.now);
    add({
      name: 'deploy window',
      ok: inside,
      forced: !inside && o.force,
      detail: inside ? 'inside a deploy window' : `outside the deploy windows (${describeWindows(ctx.env.windows)})`,
      fix: 'wait for the window, or pass --force (recorded in the journal)',
    });
  }

  if (ctx.env.upstream) {
    const promoted = wasPromoted(await readHistory(ctx.paths.root, ctx.env.upstream), o.version);
    add({
      name: 'upstream promotion',
      ok: promoted,
      detail: promoted
        ? `${o.version} was promoted in ${ctx.env.upstream}`
        : `${o.version} was not promoted in ${ctx.env.upstream}`,
      fix: `deploy it to ${ctx.env.upstream} first: \`pnpm pilot --env ${ctx.env.upstream} --ref ${o.commit.slice(0, 12)}\``,
    });
  }

  const approvals = ctx.env.approvals;
  if (ctx.env.gate && (approvals.count > 0 || approvals.roles.length > 0)) {
    // A signed approval names the release digest, known only once the release is built: the gate checks it then.
    add({
      name: 'approvals',
      ok: true,
      detail: 'checked by the Go/No-Go gate after the build, against the built release digest',
    });
  } else if (approvals.count > 0 || approvals.roles.length > 0) {
    const check = await checkApprovals(
      ctx.paths.root,
      ctx.envName,
      o.version,
      approvals,
      Date.now(),
      signatureContext(ctx, await releaseDigest(ctx, o.version)),
    );
    add({
      name: 'approvals',
      ok: check.ok,
      detail: check.ok
        ? `approved by ${check.valid.map((a) => a.approver).join(', ')}`
        : `needs ${check.missing.join(' and ')}`,
      fix: `\`pnpm pilot approve --env ${ctx.envName} --release ${o.version} [--role R]\` by the approvers`,
    });
  }

  const freeze = await readFreeze(ctx.lockOptions);
  if (freeze)
    add({ name: 'deployment freeze', ok: Boolean(o.dryRun), detail: describeFreeze(freeze), fix: 'see the message' });
  const lock = await readLock(ctx.lockOptions);
  add({
    name: 'environment lock',
    ok: !lock.held || Boolean(o.dryRun),
    detail: lock.held ? describeHolder(lock) : `${ctx.envName} is not locked`,
    fix: 'see the message',
  });
  return checks;
}

/** Throws RefusedError (exit 3) listing every failed check with its fix. */
export function assertPreflight(checks: PreflightCheck[]): void {
  const failed = checks.filter((c) => !c.ok && !c.forced);
  if (failed.length === 0) return;
  const lines = failed.map(
    (c) => `  ✗ ${c.name}: ${c.detail}${c.fix && c.fix !== 'see the message' ? ` — ${c.fix}` : ''}`,
  );
  throw new RefusedError(`preflight failed (${failed.length} of ${checks.length} checks):\n${lines.join('\n')}`);
}

async function toolCheck(tool: string, args: string[], env: NodeJS.ProcessEnv, fix: string): Promise<PreflightCheck> {
  const r = await shell({ env, inheritEnv: false, nothrow: true })`${tool} ${args}`;
  const ok = r.exitCode === 0;
  return { name: `tool ${tool}`, ok, detail: ok ? r.stdout.split('\n')[0] : `${tool} not found on PATH`, fix };
}

async function startCommandCheck(ctx: EnvContext, env: NodeJS.ProcessEnv): Promise<PreflightCheck> {
  const command = ctx.config.service.start[0];
  const serviceDir = join(ctx.root, ctx.config.service.dir);
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : join(serviceDir, command)]
    : (env.PATH ?? '').split(delimiter).map((d) => join(d, command));
  let found: string | undefined;
  for (const path of candidates) {
    if (
      existsSync(path) &&
      (await access(path, constants.X_OK).then(
        () => true,
        () => false,
      ))
    ) {
      found = path;
      break;
    }
  }
  // A relative start command lives in the built release, which does not exist yet; its presence is checked after the build.
  const relativeInRelease = command.includes('/') && !isAbsolute(command);
  return {
    name: 'start command',
    ok: Boolean(found) || relativeInRelease,
    detail: found
      ? `${command} → ${found}`
      : relativeInRelease
        ? `${command} (checked in the built release)`
        : `${command} not found or not executable`,
    fix: `fix service.start in pilot.config.ts (${JSON.stringify(ctx.config.service.start)}) or install ${command}`,
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `pnpm deploy` builds a release from the lockfile only in a workspace that injects its packages (pnpm 10 refuses
 * otherwise, with `--legacy` it resolves versions afresh): checked in the commit being deployed, before anything runs.
 */
async function injectedWorkspaceCheck(root: string, commit: string): Promise<PreflightCheck | undefined> {
  const show = async (file: string) =>
    (await shell({ cwd: root, nothrow: true })`git show ${`${commit}:${file}`}`).stdout;
  const workspace = await show('pnpm-workspace.yaml');
  // No workspace yet (a starter config): the build says so itself; this check is for a workspace set up without it.
  if (!workspace) return undefined;
  const injected =
    /^injectWorkspacePackages:\s*true\s*$/m.test(workspace) ||
    /^inject-workspace-packages\s*=\s*true\s*$/m.test(await show('.npmrc'));
  return {
    name: 'injected workspace',
    ok: injected,
    detail: injected
      ? 'pnpm-workspace.yaml sets injectWorkspacePackages'
      : `service.package is set but ${commit.slice(0, 7)}'s pnpm-workspace.yaml does not set injectWorkspacePackages: true`,
    fix: 'add `injectWorkspacePackages: true` to pnpm-workspace.yaml, run `pnpm install` (the lockfile records it), and commit both — releases are then built from the lockfile',
  };
}
