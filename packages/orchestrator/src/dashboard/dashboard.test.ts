import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { startLoad } from '../demo/load.ts';
import { readDeployment } from '../state/deployments.ts';
import { type LocalRepo, makeLocalRepo } from '../testing/local-repo.ts';
import {
  ARTIFACTS,
  CHROMIUM,
  type PageState,
  firstPaint,
  startDashboard,
  transferredBytes,
  until,
} from '../testing/dashboard.ts';
import { PILOT, REPO_ROOT, runScript } from '../testing/repo.ts';

// PILOT_UPDATE_SCREENSHOT=1 also refreshes the README's PNG from the page screenshot.
const README_PNG = join(REPO_ROOT, 'packages', 'dashboard', 'docs', 'monitoring-page.png');

// One browser, one repository and one router for the file: v1 live, v2 in a canary under load (watched, then rolled
// back from the page), then a faulty v3 that the analysis rolls back (its report).
describe('the monitoring page and the report (headless Chromium, the real router, two releases under load)', {
  skip: CHROMIUM ? false : 'chromium is not installed (apt-get install chromium)',
}, () => {
  let repo: LocalRepo;
  let browser: Browser;
  let page: Page;
  let uiUrl = '';
  let adminToken = '';
  let v1 = '';
  const consoleErrors: string[] = [];

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    repo = await makeLocalRepo({
      config: {
        strategy: {
          kind: 'canary',
          steps: [20, 50, { pause: true, reason: 'a look at the page' }, 100],
          analysisWindow: '8s',
          interval: '500ms',
        },
      },
    });
    await repo.commit('v1');
    const first = await runScript(PILOT, ['--json'], repo.root);
    assert.equal(first.code, 0, first.all);
    const result = JSON.parse(first.stdout) as { release: { version: string }; monitoringUrl: string };
    v1 = result.release.version;
    uiUrl = result.monitoringUrl;
    const routerDir = join(repo.root, '.pilot', 'router', 'staging');
    adminToken = (await readFile(join(routerDir, 'admin.token'), 'utf8')).trim();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  // Registration order: the browser, then the router and its releases, then the folder with their pid files.
  after(() => browser?.close());
  after(() => repo?.cleanup());

  test('the URL pilot prints is the router page: loopback /ui/, no token in it', () => {
    assert.match(uiUrl, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
    assert.ok(!uiUrl.includes(adminToken));
  });

  test('mid-canary: weights and step equal the router and the journal, charts have points for both releases, a shift shows live, roll back needs the token and then rolls back', async () => {
    await repo.commit('v2');
    const load = startLoad(`${repo.url}/api/hello`, 80);
    const deploying = runScript(PILOT, ['--json'], repo.root);
    try {
      const status = await until('the canary at 20%', async () =>
        (await repo.router()).candidate?.weight === 20 ? repo.router() : undefined,
      );
      const v2 = status.candidate!.version;
      const started = Date.now();
      await page.goto(uiUrl);
      await page.waitForSelector(`#releases tr[data-release="${v2}"]`);
      const paint = await firstPaint(page);

      // What the page shows is what the router says, and the step is the journal's.
      const shownWeight = async (version: string) =>
        Number(await page.getAttribute(`#releases tr[data-release="${version}"]`, 'data-weight'));
      const admin = await repo.router();
      assert.equal(await shownWeight(v2), admin.candidate?.weight);
      assert.equal(await shownWeight(v1), admin.stable?.weight);
      const open = await until(
        'the open deployment on the page',
        async () => (await page.textContent('#dep-step')) ?? undefined,
      );
      const id = (await page.textContent('#deployment dd')) ?? '';
      const journal = await readDeployment(join(repo.root, '.pilot'), id);
      assert.ok(journal, `no journal for ${id}`);
      assert.ok(
        open.startsWith(journal.view.step?.name ?? '?'),
        `page step ${open}, journal ${journal.view.step?.name}`,
      );

      // The charts: points with traffic for both releases, in every chart, and both in the legend.
      const points = await until('chart points for both releases', () =>
        page.evaluate(
          ([a, b]) => {
            const s = (window as unknown as { pilotDashboard: PageState }).pilotDashboard;
            const counts = [a, b].map((v) => (s.series[v] ?? []).filter((p) => p.n > 0).length);
            const plotted = s.charts.map((c) =>
              c.series
                .slice(1)
                .map((x, i) => ({ label: x.label, values: c.data[i + 1].filter((y) => y !== null).length })),
            );
            return counts.every((n) => n >= 2) &&
              plotted.every((chart) => chart.length === 2 && chart.every((x) => x.values > 0))
              ? { counts, plotted }
              : undefined;
          },
          [v1, v2],
        ),
      );
      assert.deepEqual(points.plotted[0].map((x) => x.label).sort(), [v1, v2].sort());
      assert.deepEqual(consoleErrors, [], 'console errors while the page loaded');
      await page.screenshot({ path: join(ARTIFACTS, 'page-mid-canary.png'), fullPage: true });
      if (process.env.PILOT_UPDATE_SCREENSHOT) {
        await mkdir(join(README_PNG, '..'), { recursive: true });
        await copyFile(join(ARTIFACTS, 'page-mid-canary.png'), README_PNG);
      }

      // pilot shifts to 50%: the page follows without a reload.
      await until('the page showing 50%', async () => (await shownWeight(v2)) === 50, 40_000);
      assert.equal((await repo.router()).candidate?.weight, 50);
      assert.match((await page.textContent('#dep-weight')) ?? '', /50%/);

      // Without the token: refused, nothing changes.
      await page.click('#action-abort');
      await page.click('#confirm-ok');
      await until('the refusal', async () =>
        /refused: actions need the admin token/.test((await page.textContent('#action-result')) ?? ''),
      );
      const unchanged = await repo.router();
      assert.equal(unchanged.candidate?.version, v2);
      assert.ok(
        (await readDeployment(join(repo.root, '.pilot'), id))!.entries.every((e) => e.event !== 'dashboard.action'),
      );

      // With the token, typed into the page: the deployment is rolled back, by its actor.
      await page.fill('#token', adminToken);
      await page.fill('#actor', 'test-operator');
      await page.click('#token-form button[type="submit"]');
      await page.click('#action-abort');
      await page.click('#confirm-ok');
      const back = await until(
        'the router 100% on the stable release',
        async () => {
          const s = await repo.router();
          return s.stable?.version === v1 && s.stable.weight === 100 && !s.candidate ? s : undefined;
        },
        60_000,
      );
      assert.equal(back.stable?.version, v1);
      // Rolled back while it ran (SIGTERM: 130) or once paused at the manual step (4, then aborted).
      const deployed = await deploying;
      assert.ok([4, 130].includes(deployed.code), deployed.all);
      // The router switches back before the abort's last journal line is written.
      const ended = await until('the journal saying aborted', async () => {
        const read = await readDeployment(join(repo.root, '.pilot'), id);
        return read?.view.status === 'aborted' ? read : undefined;
      });
      const action = ended.entries.find((e) => e.event === 'dashboard.action');
      assert.deepEqual([action?.action, action?.actor], ['abort', 'test-operator (dashboard)']);
      assert.equal(ended.view.status, 'aborted');
      assert.ok(!JSON.stringify(ended.entries).includes(adminToken), 'the admin token is in the journal');
      await until(
        'the page showing the rollback',
        async () =>
          (await shownWeight(v1)) === 100 && !(await page.$(`#releases tr[data-release="${v2}"][data-weight="50"]`)),
      );

      // Figures: first paint, bytes transferred, heap after the live updates so far.
      const bytes = await transferredBytes(page);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
      console.log(
        `monitoring page: first paint ${Math.round(paint)} ms, ${Math.round(bytes / 1024)} KiB transferred, JS heap ${(heap / 1e6).toFixed(1)} MB after ${Math.round((Date.now() - started) / 1000)} s live`,
      );
      console.log(`screenshot: ${join(ARTIFACTS, 'page-mid-canary.png')}`);
      // The page painted; how fast is the page bench's figure (`pnpm bench`), not a timed test beside the whole suite.
      assert.ok(paint > 0, `first paint ${paint} ms`);
      assert.ok(bytes < 2_000_000, `${bytes} bytes transferred`);
      // Only the refused action's answer, which Chromium logs as a failed resource.
      assert.deepEqual(
        consoleErrors.filter((e) => !/status of 401/.test(e)),
        [],
      );
    } finally {
      await load.stop();
      // A failure above leaves the canary to end (or pause) by itself: the next test needs the environment free.
      if ((await deploying).code !== 130) await runScript(PILOT, ['abort'], repo.root).catch(() => {});
    }
  });

  test('a rolled-back deployment: its report names the failing rule with observed vs threshold, has no external URL, and prints to PDF', async () => {
    await repo.commit('v3: fails under traffic', 200, 40);
    const load = startLoad(`${repo.url}/api/hello`, 80);
    const run = await runScript(PILOT, ['--json'], repo.root).finally(() => load.stop());
    assert.equal(run.code, 1, run.all);
    const out = JSON.parse(run.stdout) as { deploymentId: string; outcome: string };
    assert.equal(out.outcome, 'rolled_back');
    const file = join(repo.root, '.pilot', 'deployments', out.deploymentId, 'report.html');
    const html = await readFile(file, 'utf8');
    assert.match(html, /error_rate/);
    assert.match(html, /observed [\d.]+ · threshold 0\.05/);
    assert.match(html, /pnpm rollback --env staging --to /);
    const urls = [...html.matchAll(/\b(?:https?:)?\/\/[^\s"'<>)]+/g)]
      .map((m) => m[0])
      .filter((u) => !/^(https?:)?\/\/(127\.0\.0\.1|localhost)[:/]/.test(u));
    assert.deepEqual(urls, [], 'external URLs in the report');
    assert.doesNotMatch(html, /<script|src=|href=/);
    assert.ok(!html.includes(adminToken));
    const report = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      const errors: string[] = [];
      report.on('pageerror', (e) => errors.push(e.message));
      await report.goto(`file://${file}`);
      await report.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      const pdf = await report.pdf({ path: join(ARTIFACTS, 'report.pdf'), format: 'A4', printBackground: true });
      assert.ok(pdf.length > 10_000 && pdf.subarray(0, 5).toString() === '%PDF-', `pdf of ${pdf.length} bytes`);
      assert.deepEqual(errors, []);
      console.log(
        `report: ${file}\nreport screenshot: ${join(ARTIFACTS, 'report.png')}\nreport PDF: ${join(ARTIFACTS, 'report.pdf')} (${Math.round(pdf.length / 1024)} KiB)`,
      );
    } finally {
      await report.close();
    }
    // The page lists it with its report.
    await page.reload();
    await page.waitForSelector(`#recent a[href="report/${out.deploymentId}"]`);
    const served = await page.request.get(new URL(`report/${out.deploymentId}`, uiUrl).href);
    assert.equal(served.status(), 200);
  });

  test("pilot logs ID --html writes the report again; pilot dashboard serves the router's environment too (its routes and traffic through the admin API), and --open prints a one-time link that enables actions in one tab, once", async () => {
    const newest = JSON.parse((await runScript(PILOT, ['status', '--json'], repo.root)).stdout) as unknown;
    const id = JSON.stringify(newest).match(/staging-\d{8}-\d{6}-[0-9a-f]{4}/)?.[0] ?? '';
    const html = await runScript(PILOT, ['logs', id, '--html'], repo.root);
    assert.equal(html.code, 0, html.all);
    assert.match(html.stdout, new RegExp(`report: .*deployments/${id}/report\\.html`));
    const both = await runScript(PILOT, ['logs', '--html', '-f'], repo.root);
    assert.equal(both.code, 2, both.all);
    assert.match(both.all, /--html writes the report once/);

    const dashboard = await startDashboard(repo.root, ['--open']);
    const [entry] = dashboard.info.environments;
    const tab = await browser.newPage();
    try {
      assert.deepEqual([entry.env, entry.target], ['staging', 'local']);
      assert.match(entry.url, /^http:\/\/127\.0\.0\.1:\d+\/env\/staging\/ui\/$/);
      assert.match(entry.oneTimeLink ?? '', /^http:\/\/127\.0\.0\.1:\d+\/env\/staging\/ui\/#once=[\w-]+$/);
      assert.ok(!dashboard.output().includes(adminToken));
      // The same page as the router's: its routes, and the traffic it kept (the rolled-back v3 and v1 under load).
      await page.goto(entry.url);
      const admin = await repo.router();
      await page.waitForSelector(`#releases tr[data-release="${admin.stable?.version}"][data-weight="100"]`);
      const stable = admin.stable!.version;
      await until(`${stable}'s traffic charted on the dashboard server`, () =>
        page.evaluate(
          (v) =>
            (
              window as unknown as { pilotDashboard: { series: Record<string, { n: number }[]> } }
            ).pilotDashboard.series[v]?.some((p) => p.n > 0),
          stable,
        ),
      );
      await tab.goto(entry.oneTimeLink!);
      await until('actions enabled by the link', async () =>
        /actions enabled/.test((await tab.textContent('#token-state')) ?? ''),
      );
      assert.equal(new URL(tab.url()).hash, '', 'the link is taken out of the address bar');
      const again = await browser.newPage();
      await again.goto(entry.oneTimeLink!);
      await until('the spent link refused', async () =>
        /already used/.test((await again.textContent('#action-result')) ?? ''),
      );
      assert.match((await again.textContent('#token-state')) ?? '', /read-only/);
      await again.close();
    } finally {
      await tab.close();
      await dashboard.stop();
    }
  });
});
