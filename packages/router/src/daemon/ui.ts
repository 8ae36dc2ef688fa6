import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ActionName, type EnvironmentView, SeriesWindow, createUiHandler } from '@pilot/dashboard';
import { compiledEntry, pilotScriptArgs } from '@pilot/core';
import type { Router } from './router.ts';

interface Backend {
  environment(): Promise<EnvironmentView>;
  act(action: ActionName, actor: string): Promise<{ ok: boolean; message: string }>;
  reportFile(id: string): string;
}

/**
 * The monitoring page on the admin listener (`/ui/`): the router's own routes and per-release series, and the
 * environment's deployments through the orchestrator's readers — loaded (compiled) on first use, since the
 * orchestrator depends on this package and not the other way round.
 */
export function createDaemonUi(
  router: Router,
  isAdminToken: (presented: string) => boolean,
  log: (event: string, fields: Record<string, unknown>) => void,
) {
  const series = new SeriesWindow();
  const stateDir = dirname(router.settings.releasesDir);
  let backend: Promise<Backend> | undefined;
  const load = () => {
    backend ??= (async () => {
      const install = dirname(dirname(pilotScriptArgs('pilot')[0]));
      const entry = createRequire(join(install, 'package.json')).resolve('@pilot/orchestrator/router-ui');
      const mod = (await import(pathToFileURL(await compiledEntry(entry, 'router-ui')).href)) as {
        routerUiBackend(o: Record<string, string>): Backend;
      };
      return mod.routerUiBackend({
        root: process.cwd(),
        stateDir,
        envName: router.settings.envName,
        routerDir: router.routerDir,
      });
    })();
    backend.catch((error: Error) => {
      log('ui.load-failed', { message: error.message });
      backend = undefined;
    });
    return backend;
  };
  const ui = createUiHandler({
    router: () => router.status(),
    environment: async () => (await load()).environment(),
    series: { snapshot: () => series.snapshot(), tick: () => series.record(router.metrics.samples(series.edge)) },
    isAdminToken,
    act: async (action, actor) => {
      log('ui.action', { action, actor });
      return (await load()).act(action, actor);
    },
    reportFile: (id) => join(stateDir, 'deployments', id, 'report.html'),
  });
  ui.startRecording();
  return ui;
}
