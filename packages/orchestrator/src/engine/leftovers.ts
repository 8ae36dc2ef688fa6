import { join } from 'node:path';
import type { EnvContext, TargetDriver } from '@pilot/core';
import { deleteTag } from '../git/tag.ts';
import type { RunState } from './state.ts';

/** A release process as a target lists it (the local router's status; other targets list none). */
interface ListedRelease {
  version: string;
  state?: string;
  retiring?: boolean;
  inFlight?: number;
}

/** What undo cleared, whichever way it ran. */
export interface Leftovers {
  /** Release processes stopped: started, never routed, not kept warm. */
  stopped: string[];
  tagDeleted?: string;
  errors: string[];
}

/** Deletes the tag a deployment created (locally and on the remote it pushed to) when its release never went live. */
export async function deleteUnpromotedTag(ctx: EnvContext, state: RunState): Promise<string | undefined> {
  if (!state.tag || !state.tagCreated || state.promoted) return undefined;
  await deleteTag(ctx.root, state.tag, state.tagPushed ? ctx.config.git.remote : undefined);
  return state.tag;
}

/**
 * Stops every release of the environment that is neither routed (stable, candidate) nor on its way out by itself (kept
 * warm or draining): a candidate prepared and never shifted to (blue-green before its switch, a deployment killed while
 * it started), or one left by an older deployment. A target that lists no processes or cannot withdraw is left alone;
 * a router too old to say which releases retire stops only the versions named in `undone`.
 */
export async function stopStrayReleases(
  ctx: EnvContext,
  target: TargetDriver,
  undone: string[] = [],
): Promise<string[]> {
  if (!target.withdraw) return [];
  const status = await target.status();
  const listed = status.details?.releases;
  if (!Array.isArray(listed)) return [];
  const routed = new Set([status.stable?.version, status.candidate?.version]);
  const stray = (listed as ListedRelease[]).filter((r) => {
    if (routed.has(r.version) || r.state === 'stopping' || r.state === 'stopped') return false;
    // Requests still in flight: a release being drained, which the router stops once they end.
    if ((r.inFlight ?? 0) > 0) return false;
    return r.retiring === undefined ? undone.includes(r.version) : !r.retiring;
  });
  for (const r of stray) await target.withdraw({ version: r.version, dir: join(ctx.paths.releases, r.version, 'app') });
  return stray.map((r) => r.version);
}

/**
 * The one clean-up rule after undo — a failure, Ctrl-C, `pilot abort` or `pnpm rollback`: no release process runs that
 * is neither stable nor kept warm, and the tag of a release that never went live is deleted. Run after traffic is back
 * on the stable release; each part is tried even when the other fails. `releases: false` when the target was never
 * touched (a deployment undone before prepare): asking the local target would start its router just to find nothing.
 */
export async function clearLeftovers(
  ctx: EnvContext,
  target: TargetDriver,
  state: RunState,
  o: { releases?: boolean } = {},
): Promise<Leftovers> {
  const result: Leftovers = { stopped: [], errors: [] };
  try {
    if (o.releases !== false)
      result.stopped = await stopStrayReleases(ctx, target, state.release ? [state.release.version] : []);
  } catch (error) {
    result.errors.push(
      `stopping releases that are not routed failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    result.tagDeleted = await deleteUnpromotedTag(ctx, state);
  } catch (error) {
    result.errors.push(`deleting tag ${state.tag} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return result;
}
