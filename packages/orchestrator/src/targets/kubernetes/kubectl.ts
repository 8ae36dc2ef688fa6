import { type Logger, PilotError, shell } from '@pilot/core';

/** Which cluster and namespace every call names explicitly, whatever the kubeconfig's current context says. */
export interface KubectlScope {
  context: string;
  namespace: string;
  cwd: string;
  log?: Logger;
}

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The exact argv of one kubectl call, as `--dry-run` prints it and the runner runs it. */
export function kubectlArgv(scope: Pick<KubectlScope, 'context' | 'namespace'>, args: string[]): string[] {
  return ['kubectl', '--context', scope.context, '--namespace', scope.namespace, ...args];
}

/**
 * The one place Pilot runs kubectl: an argument array through the core `$` preset (zx quotes each element), never a
 * shell string. A non-zero exit throws naming the command and kubectl's message, unless `allowFailure`.
 */
export async function runKubectl(
  scope: KubectlScope,
  args: string[],
  o: { signal?: AbortSignal; timeoutMs?: number; allowFailure?: boolean } = {},
): Promise<KubectlResult> {
  const [bin, ...rest] = kubectlArgv(scope, args);
  const $$ = shell({
    cwd: scope.cwd,
    signal: o.signal,
    nothrow: true,
    log: scope.log,
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
  });
  const out = await $$`${bin} ${rest}`;
  const result = { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
  if (result.exitCode !== 0 && !o.allowFailure) {
    const message = result.stderr.trim().split('\n').slice(-5).join('\n');
    throw new PilotError(
      `kubectl failed (exit ${result.exitCode}): ${kubectlArgv(scope, args).join(' ')}${message ? `\n${message}` : ''}`,
    );
  }
  return result;
}

/** The kubeconfig's current context (a local read, no cluster call), when the config names none. */
export async function currentContext(cwd: string): Promise<string> {
  const out = await shell({ cwd, nothrow: true })`kubectl ${['config', 'current-context']}`;
  const name = out.stdout.trim();
  if (out.exitCode !== 0 || !name)
    throw new PilotError(
      `the kubernetes target has no context and kubectl has no current context (${out.stderr.trim() || 'empty'}) — set target.context in pilot.config.ts`,
      2,
    );
  return name;
}

/** A `kubectl port-forward` Pilot opened: where it listens, and how to close it. */
export interface PortForward {
  url: string;
  close(): void;
}

/**
 * Opens `kubectl port-forward <resource> 0:<port>` on loopback (through the same `$` preset as every call) and resolves
 * once kubectl says where it listens. It is closed by `close()`, or when this process exits.
 */
export async function openPortForward(
  scope: KubectlScope,
  resource: string,
  port: number,
  timeoutMs = 30_000,
): Promise<PortForward> {
  const [bin, ...rest] = kubectlArgv(scope, ['port-forward', '--address', '127.0.0.1', resource, `0:${port}`]);
  const child = shell({ cwd: scope.cwd, nothrow: true, log: scope.log })`${bin} ${rest}`;
  // Synchronous: it also runs from the 'exit' event, where nothing asynchronous happens any more.
  const close = () => void child.child?.kill('SIGTERM');
  process.once('exit', close);
  const local = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new PilotError(`kubectl port-forward ${resource} did not start within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk;
      const found = seen.match(/Forwarding from 127\.0\.0\.1:(\d+)/);
      if (found) resolve(Number(found[1]));
    });
    void child
      .then((out) =>
        reject(
          new PilotError(
            `kubectl port-forward ${resource} exited (${out.exitCode}): ${out.stderr.trim().split('\n').pop() ?? ''}`,
          ),
        ),
      )
      .finally(() => clearTimeout(timer));
  }).catch((error) => {
    close();
    throw error;
  });
  // The forward must not keep Pilot running: it lives as long as this process (closed on exit) or until close().
  child.child?.unref();
  for (const stream of [child.child?.stdout, child.child?.stderr])
    (stream as { unref?: () => void } | null | undefined)?.unref?.();
  return { url: `http://127.0.0.1:${local}`, close };
}
