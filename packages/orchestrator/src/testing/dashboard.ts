import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { PILOT, REPO_ROOT, scriptArgv } from './repo.ts';

/** Debian's Chromium, for the page tests (they skip, saying so, where it is not installed). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
/** Where the page tests write their screenshots, PDF and figures (each printed). */
export const ARTIFACTS = join(REPO_ROOT, 'node_modules', '.cache', 'pilot', 'test-artifacts', 'dashboard');

/** What the page exposes to tests on `window.pilotDashboard`: its series per release and its charts. */
export interface PageState {
  series: Record<string, { n: number }[]>;
  charts: { data: (number | null)[][]; series: { label?: string }[] }[];
}

/** The page's first contentful paint, in ms since navigation (-1 before it painted). */
export function firstPaint(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
}

/** What the page has transferred so far, as encoded on the wire: the document and every resource. */
export function transferredBytes(page: Page): Promise<number> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .reduce(
        (sum, r) => sum + (r as PerformanceResourceTiming).encodedBodySize,
        (performance.getEntriesByType('navigation')[0] as PerformanceResourceTiming).encodedBodySize,
      ),
  );
}

/** Polls `probe` (every 200 ms, errors counted as not yet) until it gives a value, or fails naming `what`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(200);
  }
}

/** What `pilot dashboard --json` prints once it serves. */
export interface DashboardInfo {
  url: string;
  tokenFile: string;
  environments: { env: string; target: string; url: string; note?: string; oneTimeLink?: string }[];
}

/** `pnpm pilot dashboard --port 0 --json …` as a user runs it, in `cwd`, until `stop()` (SIGTERM, as Ctrl-C would); `nodeArgs` go to node itself. */
export async function startDashboard(
  cwd: string,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<{ info: DashboardInfo; child: ChildProcess; output: () => string; stop(): Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, ...(await scriptArgv(PILOT)), 'dashboard', '--port', '0', '--json', ...args],
    { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const info = await new Promise<DashboardInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pilot dashboard printed nothing in 30 s:\n${stdout}${stderr}`)),
      30_000,
    );
    const onData = () => {
      try {
        resolve(JSON.parse(stdout) as DashboardInfo);
        clearTimeout(timer);
      } catch {
        // not the whole JSON yet
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pilot dashboard exited ${code}:\n${stdout}${stderr}`));
    });
  });
  return {
    info,
    child,
    output: () => `${stdout}${stderr}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}
