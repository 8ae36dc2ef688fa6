// The monitoring page's speed (issue: first paint < 300 ms on loopback, < 2 MB transferred), measured here and not
// in the page tests, which run beside the whole suite: the router's /ui/ after a real `pnpm pilot`, loaded in a new
// headless Chromium context each round, against a minimal page from a plain Node server (Chromium's own floor).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { median, writeBenchResult } from '@pilot/core';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, firstPaint, transferredBytes } from '../testing/dashboard.ts';
import { makeLocalRepo } from '../testing/local-repo.ts';
import { PILOT, REPO_ROOT, runScript } from '../testing/repo.ts';

const ROUNDS = 11;

async function load(browser: Browser, url: string, ready: string): Promise<{ paintMs: number; bytes: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector(ready);
    const paintMs = await firstPaint(page);
    if (paintMs < 0) throw new Error(`${url} showed ${ready} but recorded no first contentful paint`);
    return { paintMs, bytes: await transferredBytes(page) };
  } finally {
    await context.close();
  }
}

async function rounds(browser: Browser, url: string, ready: string) {
  await load(browser, url, ready); // the first load warms Chromium and the server; the figure is every later one
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await load(browser, url, ready));
  return { paintMs: median(runs.map((r) => r.paintMs)), bytes: Math.max(...runs.map((r) => r.bytes)) };
}

if (!CHROMIUM) throw new Error('the page bench needs Chromium: apt-get install chromium');
const repo = await makeLocalRepo();
const floorServer = createServer((_req, res) => res.end('<!doctype html><title>floor</title><h1>floor</h1>'));
let browser: Browser | undefined;
try {
  await repo.commit('v1');
  const first = await runScript(PILOT, ['--json'], repo.root);
  if (first.code !== 0) throw new Error(`pnpm pilot exited ${first.code}:\n${first.all}`);
  const { monitoringUrl } = JSON.parse(first.stdout) as { monitoringUrl: string };
  await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
  const floorUrl = `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const ours = await rounds(browser, monitoringUrl, '#releases tr[data-release]');
  const floor = await rounds(browser, floorUrl, 'h1');
  console.log(`monitoring page  first paint ${Math.round(ours.paintMs)} ms  ${Math.round(ours.bytes / 1024)} KiB`);
  console.log(`minimal page     first paint ${Math.round(floor.paintMs)} ms  ${floor.bytes} B`);
  const file = await writeBenchResult(REPO_ROOT, {
    name: 'page',
    description: `the monitoring page (the router's /ui/ after pnpm pilot) against a minimal page from a plain Node server, each loaded in a new headless Chromium context; median first contentful paint of ${ROUNDS} loads after one warm-up, most bytes transferred`,
    figures: {
      paintMs: Math.round(ours.paintMs),
      transferredKiB: Math.round(ours.bytes / 1024),
      minimalPagePaintMs: Math.round(floor.paintMs),
    },
    ratios: { 'paint ours/minimal page': ours.paintMs / floor.paintMs },
    targets: [
      {
        name: 'first paint on loopback',
        target: '< 300 ms',
        actual: `${Math.round(ours.paintMs)} ms`,
        met: ours.paintMs < 300,
      },
      {
        name: 'transferred',
        target: '< 2 MB',
        actual: `${(ours.bytes / 1e6).toFixed(2)} MB`,
        met: ours.bytes < 2_000_000,
      },
    ],
  });
  console.log(`written ${file}`);
} finally {
  await browser?.close();
  floorServer.close();
  await repo.cleanup();
}
