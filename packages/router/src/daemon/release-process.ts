import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { ReleaseSettings } from '../config.ts';
import { type ProcessIdentity, identityOf, isSameProcess, stopVerified } from './process-identity.ts';
import type { ReleaseEnvValue } from './release-env.ts';

export type ProcessState = 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'failed' | 'stopping' | 'stopped';

export interface ReleaseSpec {
  version: string;
  /** Folder the start command runs in (`.pilot/releases/<version>/app`). */
  appDir: string;
  start: string[];
  /** As the manifest records it (`{ fromEnv }` values are resolved into `ProcessOptions.env`). */
  env: Record<string, ReleaseEnvValue>;
}

export interface ProcessOptions {
  port: number;
  logFile: string;
  /** Its whole environment (see releaseEnv), the same at every restart. */
  env: Record<string, string>;
  onChange?: () => void;
  /** A process was spawned (first start or a restart after a crash): its new identity is to be persisted. */
  onStarted?: () => void;
}

// A release that dies this many times before it was ever ready is given up on (a start command that exits at once).
const MAX_EARLY_DEATHS = 3;
const UNHEALTHY_AFTER = 2;

/** One supervised release process: started with PORT, logs to a file, probed for readiness, restarted with back-off, stopped gracefully. */
export class ReleaseProcess {
  readonly spec: ReleaseSpec;
  readonly options: ProcessOptions;
  state: ProcessState = 'starting';
  restarts = 0;
  inFlight = 0;
  lastError?: string;
  #child?: ChildProcess;
  /** A process started by an earlier router and taken over by this one (never this process's child). */
  #adopted?: ProcessIdentity;
  /** Probed every 50 ms until ready: a taken-over process is already up, and traffic waits for its probes. */
  #quickProbes = false;
  #identity?: ProcessIdentity;
  #okInARow = 0;
  #failsInARow = 0;
  #everReady = false;
  #earlyDeaths = 0;
  #probeTimer?: NodeJS.Timeout;
  #restartTimer?: NodeJS.Timeout;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  /** The settings it was prepared with (persisted with it), kept for its whole life. */
  readonly settings: ReleaseSettings;

  constructor(spec: ReleaseSpec, options: ProcessOptions, settings: ReleaseSettings) {
    this.spec = spec;
    this.options = options;
    this.settings = settings;
  }

  get pid(): number | undefined {
    return this.#identity?.pid ?? this.#child?.pid;
  }

  /** Pid, start time and boot of the running process (persisted: what a restarted router checks before it adopts or kills it). */
  get identity(): ProcessIdentity | undefined {
    return this.#identity;
  }

  /** Its version, under the name the proxy's Upstream gives it (one name for one thing: no `name` beside it). */
  get version(): string {
    return this.spec.version;
  }

  /** How long it may stay silent mid-request before the request gets a 504 (its own setting; else the router's). */
  get responseTimeoutMs(): number | undefined {
    return this.settings.responseTimeoutMs;
  }

  /** Readiness probes passed in a row (progress while it starts). */
  get probesPassed(): number {
    return this.#okInARow;
  }

  get port(): number {
    return this.options.port;
  }

  /** True when it may receive new requests. */
  get routable(): boolean {
    return this.state === 'ready';
  }

  start(): void {
    mkdirSync(dirname(this.options.logFile), { recursive: true });
    const log = openSync(this.options.logFile, 'a');
    const { port } = this.options;
    const { dataDir } = this.settings;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    // `{port}` and `{dataDir}` inside an argument: a service that takes its port as a flag needs no shell.
    const [command, ...args] = this.spec.start.map((arg) =>
      arg.replaceAll('{port}', String(port)).replaceAll('{dataDir}', dataDir ?? ''),
    );
    this.state = 'starting';
    this.#okInARow = 0;
    let child: ChildProcess;
    try {
      // detached: its own process group, so stop() reaches whatever the start command spawns.
      child = spawn(command, args, {
        cwd: this.spec.appDir,
        env: this.options.env,
        stdio: ['ignore', log, log],
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    this.#child = child;
    this.#adopted = undefined;
    this.#quickProbes = false;
    this.#identity = identityOf(child.pid);
    this.options.onStarted?.();
    child.once('error', (error) => {
      this.lastError = `cannot start ${JSON.stringify(this.spec.start.join(' '))}: ${error.message}`;
    });
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
    this.#scheduleProbe(150);
    this.options.onChange?.();
  }

  /**
   * Takes over a release process an earlier router started (verified by the caller to be that very process): it is
   * probed ready again before it gets traffic, watched through /proc (it is not this process's child), restarted if it
   * dies, and stopped through its process group.
   */
  adopt(identity: ProcessIdentity): void {
    this.#adopted = identity;
    this.#identity = identity;
    this.state = 'starting';
    this.#okInARow = 0;
    // It served before this router started: a later death is a crash to restart, not a start command that cannot start.
    this.#everReady = true;
    this.#quickProbes = true;
    this.#scheduleProbe(0);
    this.options.onChange?.();
  }

  /** Resolves once ready; rejects when the process is given up on or the timeout passes. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'failed') return Promise.reject(new Error(this.#failure()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `release ${this.spec.version} did not become ready within ${timeoutMs} ms (${this.settings.readyProbes} healthy probes of ${this.settings.readyPath} needed)${this.#logTail()}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  async stop(graceMs = this.settings.stopGraceMs): Promise<void> {
    clearTimeout(this.#probeTimer);
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    this.state = 'stopping';
    this.options.onChange?.();
    if (this.#adopted) {
      await stopVerified(this.#adopted, graceMs);
    } else if (child && child.exitCode === null && child.signalCode === null) {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await once(child, 'exit').catch(() => {});
      clearTimeout(timer);
    }
    this.state = 'stopped';
    this.#rejectWaiters(new Error(`release ${this.spec.version} was stopped`));
    this.options.onChange?.();
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child || this.state === 'stopping' || this.state === 'stopped') return;
    clearTimeout(this.#probeTimer);
    this.lastError = `exited with ${signal ?? `code ${code}`}`;
    if (!this.#everReady) this.#earlyDeaths += 1;
    if (!this.#everReady && this.#earlyDeaths >= MAX_EARLY_DEATHS) {
      this.state = 'failed';
      this.#rejectWaiters(new Error(this.#failure()));
      this.options.onChange?.();
      return;
    }
    this.state = 'crashed';
    this.restarts += 1;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.restarts - 1, 7));
    this.#restartTimer = setTimeout(() => this.start(), delay);
    this.options.onChange?.();
  }

  #onAdoptedExit(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.#adopted = undefined;
    this.lastError = 'exited (a process taken over from an earlier router: exit status unknown)';
    this.state = 'crashed';
    this.restarts += 1;
    this.#restartTimer = setTimeout(() => this.start(), 250);
    this.options.onChange?.();
  }

  #scheduleProbe(delayMs: number): void {
    this.#probeTimer = setTimeout(() => this.#probe(), delayMs);
  }

  #probe(): void {
    if (this.#adopted && !isSameProcess(this.#adopted)) {
      this.#onAdoptedExit();
      return;
    }
    probeOnce(this.options.port, this.settings.readyPath).then((ok) => {
      if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'crashed' || this.state === 'failed')
        return;
      if (ok) {
        this.#okInARow += 1;
        this.#failsInARow = 0;
        if (this.state !== 'ready' && this.#okInARow >= this.settings.readyProbes) {
          this.state = 'ready';
          this.#everReady = true;
          for (const waiter of this.#waiters.splice(0)) waiter.resolve();
          this.options.onChange?.();
        }
      } else {
        this.#failsInARow += 1;
        this.#okInARow = 0;
        if (this.state === 'ready' && this.#failsInARow >= UNHEALTHY_AFTER) {
          this.state = 'unhealthy';
          this.options.onChange?.();
        }
      }
      if (this.state === 'ready') this.#quickProbes = false;
      this.#scheduleProbe(this.state === 'ready' ? 1000 : this.#quickProbes ? 50 : 200);
    });
  }

  #rejectWaiters(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #failure(): string {
    return `release ${this.spec.version} exited ${this.#earlyDeaths} times before becoming ready (${this.lastError ?? 'no reason'})${this.#logTail()}`;
  }

  #logTail(): string {
    try {
      // Colour codes from the release's own log would paint (or garble) the operator's failure output: plain text only.
      const tail = stripVTControlCharacters(readFileSync(this.options.logFile, 'utf8'))
        .trimEnd()
        .split('\n')
        .slice(-5)
        .join('\n    ');
      return tail ? ` — last log lines (${this.options.logFile}):\n    ${tail}` : '';
    } catch {
      return '';
    }
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/** One readiness probe: 2xx within a second. */
export function probeOnce(port: number, path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
