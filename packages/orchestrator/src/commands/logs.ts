import { open, stat } from 'node:fs/promises';
import { type EnvContext, type JournalEntry, UsageError, statePaths } from '@pilot/core';
import { readRouterState, routerFiles } from '@pilot/router';
import { sleep } from '../engine/sleep.ts';
import { assertVersion } from '../release/version.ts';
import { readDeployment } from '../state/deployments.ts';
import { currentLive, readHistory } from '../state/history.ts';

const POLL_MS = 300;
const ENDED = new Set(['succeeded', 'failed', 'rolled_back', 'aborted', 'paused']);

/**
 * Follows a deployment's journal: every entry after the first `from`, as it is appended, until the deployment ends or
 * pauses (or `signal` is aborted). Resolves with its last status.
 */
export async function followJournal(
  ctx: EnvContext,
  id: string,
  from: number,
  onEntry: (entry: JournalEntry) => void,
  signal: AbortSignal,
): Promise<string> {
  let seen = from;
  for (;;) {
    const read = await readDeployment(ctx.paths.root, id);
    const entries = read?.entries ?? [];
    for (const entry of entries.slice(seen)) onEntry(entry);
    seen = Math.max(seen, entries.length);
    const status = read?.view.effective ?? 'unknown';
    if (ENDED.has(status) || status === 'interrupted' || signal.aborted) return status;
    await sleep(POLL_MS, signal).catch(() => {});
  }
}

/** A release's stdout/stderr as the local router wrote it (default release: the one live in the environment). */
export async function appLogFile(ctx: EnvContext, version?: string): Promise<{ version: string; file: string }> {
  if (version !== undefined) assertVersion(version, '--release');
  if (ctx.env.target.kind !== 'local')
    throw new UsageError(
      `--app: environment ${ctx.envName} uses the ${ctx.env.target.kind} target, whose application logs live in your own infrastructure — Pilot only keeps them for the local target`,
    );
  const routerDir = statePaths(ctx.paths.root).router(ctx.envName);
  const chosen =
    version ??
    currentLive(await readHistory(ctx.paths.root, ctx.envName))?.version ??
    (await readRouterState(routerDir))?.routes.stable;
  if (!chosen)
    throw new UsageError(`--app: nothing is live on ${ctx.envName} — pass --release V (see \`pnpm pilot status\`)`);
  const file = routerFiles(routerDir).releaseLog(chosen);
  if (
    !(await stat(file).then(
      () => true,
      () => false,
    ))
  )
    throw new UsageError(
      `--release ${chosen}: no application log at ${file} — it has not run on ${ctx.envName} since the router's logs were kept`,
    );
  return { version: chosen, file };
}

const CHUNK = 64 * 1024;

/**
 * Writes a file's content line by line (each whole line through `write`, so masking sees whole secrets), then, with
 * `follow`, what is appended to it, until `signal` is aborted. Read in 64 KiB chunks: a large log is never held whole.
 */
export async function streamFile(
  file: string,
  write: (line: string) => void,
  follow: boolean,
  signal: AbortSignal,
): Promise<void> {
  let offset = 0;
  let partial = Buffer.alloc(0);
  const buffer = Buffer.alloc(CHUNK);
  do {
    const size = (await stat(file)).size;
    // A log cut short (rotated or truncated): start again from its beginning.
    if (size < offset) offset = 0;
    const handle = await open(file, 'r');
    try {
      while (offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - offset), offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const data = Buffer.concat([partial, buffer.subarray(0, bytesRead)]);
        const lastNewline = data.lastIndexOf(10);
        if (lastNewline >= 0) write(data.toString('utf8', 0, lastNewline + 1));
        partial = Buffer.from(data.subarray(lastNewline + 1));
      }
    } finally {
      await handle.close();
    }
    if (follow && !signal.aborted) await sleep(POLL_MS, signal).catch(() => {});
  } while (follow && !signal.aborted);
  // A last line without its newline yet (the end of the file, or Ctrl-C while following).
  if (partial.length) write(partial.toString('utf8'));
}
