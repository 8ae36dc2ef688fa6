import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type RouterLocation, prepareDaemon, routerDirOf, routerRunning } from '../control.ts';
import { identityOf } from '../daemon/process-identity.ts';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * `pilot router start --foreground`: keeps the router of an environment running until `signal` aborts (SIGTERM from
 * systemd or another supervisor), then stops it with its releases. The daemon is this process's child, started again
 * at once whenever it dies (its releases keep serving meanwhile and are taken over); it ends when the daemon is stopped
 * on purpose (exit 0). router.json is rewritten from the config at each start of the daemon. A daemon left running by an earlier instance of this command is watched
 * until it exits, not doubled.
 */
export async function superviseRouter(
  o: RouterLocation,
  signal: AbortSignal,
  log: (event: string, fields?: Record<string, unknown>) => void,
): Promise<void> {
  let delayMs = 0;
  while (!signal.aborted) {
    const running = await routerRunning(routerDirOf(o.root, o.envName));
    if (running) {
      log('router.watching', {
        pid: running.pid,
        message: `a router for ${o.envName} already runs (pid ${running.pid}): watching it, and starting one when it exits`,
      });
      while (!signal.aborted && identityOf(running.pid)) await sleep(100, signal);
      if (signal.aborted) {
        await running.client.post('/admin/shutdown').catch(() => {});
        while (identityOf(running.pid)) await sleep(50, new AbortController().signal);
        return;
      }
      continue;
    }
    const { routerDir, entry, env } = await prepareDaemon(o, true);
    const child = spawn(process.execPath, [entry, routerDir], {
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: o.root,
      env,
    });
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    const [code, killedBy] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    signal.removeEventListener('abort', stop);
    // Stopped on purpose (SIGTERM, `pilot router stop`): this command ends too, exit 0.
    if (signal.aborted || code === 0) return;
    // A port in use (exit 3) or a config it cannot start with: try again, slower each time (at most every 10 s).
    delayMs = code === 3 || code === 1 ? Math.min(10_000, Math.max(1000, delayMs * 2)) : 0;
    log('router.exited', { pid: child.pid, code, signal: killedBy, restartInMs: delayMs });
    await sleep(delayMs, signal);
  }
}
