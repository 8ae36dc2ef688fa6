// HAProxy 2.x as the reference proxy for differential tests: one frontend per backend port, configured as the router
// bench does (HTTP mode, keep-alive to the backend, X-Forwarded-For).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@pilot/core';

/** Why HAProxy tests cannot run here, or undefined when they can. */
export const haproxyMissing = spawnSync('sh', ['-c', 'command -v haproxy'], { stdio: 'ignore' }).status === 0 ? undefined : 'haproxy not found (apt-get install haproxy)';

/** Starts HAProxy in front of `backendPorts`; returns the frontend port for each, in order. */
export async function startHaproxy(backendPorts: number[]): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-haproxy-test-'));
  const ports: number[] = [];
  let cfg = 'global\n  maxconn 2000\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 2s\n  timeout server 2s\n  timeout http-request 2s\n  option http-keep-alive\n  option forwardfor\n';
  for (const [i, backend] of backendPorts.entries()) {
    const port = await freePort();
    ports.push(port);
    cfg += `frontend fe${i}\n  bind 127.0.0.1:${port}\n  default_backend be${i}\nbackend be${i}\n  http-reuse always\n  server s 127.0.0.1:${backend}\n`;
  }
  await writeFile(join(dir, 'haproxy.cfg'), cfg);
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
  return { ports, stop };
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
