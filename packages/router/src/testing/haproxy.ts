// HAProxy 2.x as the reference proxy, for the differential tests and the router bench alike: one frontend per backend
// port, configured as the router works (HTTP mode, keep-alive to the backend, X-Forwarded-For).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, onPath } from '@pilot/core';

/** Why HAProxy tests cannot run here, or undefined when they can. */
export const haproxyMissing = onPath('haproxy') ? undefined : 'haproxy not found (apt-get install haproxy)';

/** Connection limit and timeouts: short in the tests (a refused request must not hang), long enough for a bench's load. */
export interface HaproxyLimits {
  maxconn: number;
  timeouts: string[];
}

export const TEST_LIMITS: HaproxyLimits = {
  maxconn: 2000,
  timeouts: ['connect 2s', 'client 2s', 'server 2s', 'http-request 2s'],
};
export const BENCH_LIMITS: HaproxyLimits = { maxconn: 4096, timeouts: ['connect 5s', 'client 60s', 'server 60s'] };

/** Starts HAProxy in front of `backendPorts` and waits until it listens; returns the frontend port for each, in order. */
export async function startHaproxy(
  backendPorts: number[],
  limits = TEST_LIMITS,
): Promise<{ ports: number[]; pid: number; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-haproxy-'));
  const ports: number[] = [];
  let cfg = `global\n  maxconn ${limits.maxconn}\ndefaults\n  mode http\n${limits.timeouts.map((t) => `  timeout ${t}\n`).join('')}  option http-keep-alive\n  option forwardfor\n`;
  for (const [i, backend] of backendPorts.entries()) {
    const port = await freePort();
    ports.push(port);
    cfg += `frontend fe${i}\n  bind 127.0.0.1:${port}\n  default_backend be${i}\nbackend be${i}\n  http-reuse always\n  server s 127.0.0.1:${backend}\n`;
  }
  await writeFile(join(dir, 'haproxy.cfg'), cfg);
  // A server supervised for the length of a test or bench: started, waited for, stopped, so spawn rather than the shell.
  const child = spawn('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop();
        throw new Error(`haproxy did not listen on 127.0.0.1:${port} within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { ports, pid: child.pid!, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
