import { type Socket, connect } from 'node:net';

const MAX_IDLE_PER_PORT = 64;
// Node's default keepAliveTimeout is 5 s: not reusing a connection near it avoids one the release is closing.
const DEFAULT_IDLE_MS = 4_000;

/** Who is using an upstream connection; its events go there (an idle connection's end it). */
export interface UpstreamUser {
  /** Bytes from the release, in a buffer shared by all connections: valid only during the call, copy what is kept. */
  onUpstreamData(chunk: Buffer): void;
  onUpstreamEnd(): void;
  onUpstreamFailure(error?: unknown): void;
}

/** One pooled connection: who uses it now (none while idle), and until when it may be reused. */
interface Pooled {
  socket: Socket;
  user?: UpstreamUser;
  idleList?: Pooled[];
  idleUntil: number;
}

const ENTRY = Symbol('pool entry');
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
type PooledSocket = Socket & { [ENTRY]: Pooled };

/**
 * A new connection and its listeners, attached once for its whole life and following `entry.user`: no closures per
 * request (under tsx every named closure also costs an Object.defineProperty for its name). Reads land in one shared
 * buffer, handed over synchronously: no stream machinery and no buffer per read.
 */
function openConnection(port: number, user: UpstreamUser): Pooled {
  const onread = {
    buffer: READ_BUFFER,
    callback: (length: number, buffer: Uint8Array) => {
      if (entry.user) entry.user.onUpstreamData(Buffer.from(buffer.buffer, buffer.byteOffset, length));
      else entry.socket.destroy();
      return true;
    },
  };
  const socket = connect({ port, host: '127.0.0.1', noDelay: true, onread }) as PooledSocket;
  const entry: Pooled = { socket, user, idleList: undefined, idleUntil: 0 };
  socket[ENTRY] = entry;
  socket
    .on('end', () => {
      if (entry.user) entry.user.onUpstreamEnd();
      else socket.destroy();
    })
    .on('error', (error: Error) => entry.user?.onUpstreamFailure(error))
    .on('close', () => {
      const at = entry.idleList?.indexOf(entry) ?? -1;
      if (at >= 0) entry.idleList!.splice(at, 1);
      entry.user?.onUpstreamFailure();
    });
  return entry;
}

/** Keep-alive connections to the releases, per port, most recently used first (warm sockets, fewer of them). */
export class UpstreamPool {
  readonly #idle = new Map<number, Pooled[]>();

  /** An idle connection to `port` (unless `fresh`), or a new one, now used by `user`; `reused` if it served before. */
  acquire(port: number, user: UpstreamUser, fresh = false): { socket: Socket; reused: boolean } {
    const list = fresh ? undefined : this.#idle.get(port);
    // Most recent first; one idle past the release's keep-alive timeout may be closing: not worth the risk.
    for (let idle = list?.pop(); idle; idle = list?.pop()) {
      idle.idleList = undefined;
      if (idle.idleUntil < Date.now()) {
        idle.socket.destroy();
        continue;
      }
      idle.user = user;
      return { socket: idle.socket, reused: true };
    }
    return { socket: openConnection(port, user).socket, reused: false };
  }

  /** The user is done with a connection whose last exchange ended cleanly: kept for reuse within `idleMs`, or closed. */
  release(port: number, socket: Socket, idleMs = DEFAULT_IDLE_MS): void {
    const entry = (socket as PooledSocket)[ENTRY];
    entry.user = undefined;
    let list = this.#idle.get(port);
    if (!list) {
      list = [];
      this.#idle.set(port, list);
    }
    if (list.length >= MAX_IDLE_PER_PORT || socket.destroyed) {
      socket.destroy();
      return;
    }
    // No timer per request: a connection the release closes ends itself ('end'); a stale one is dropped at acquire.
    entry.idleList = list;
    entry.idleUntil = Date.now() + idleMs;
    list.push(entry);
  }

  /** The user gives a connection up (broken, misframed, or mid-exchange): it is closed, its events go nowhere. */
  discard(socket: Socket): void {
    (socket as PooledSocket)[ENTRY].user = undefined;
    socket.destroy();
  }

  /** Closes every idle connection (router shutdown). */
  closeIdle(): void {
    for (const list of this.#idle.values()) for (const entry of list.splice(0)) entry.socket.destroy();
  }
}

let lastKeepAlive: string | undefined;
let lastIdleMs = DEFAULT_IDLE_MS;

/** The idle time a release allows (`Keep-Alive: timeout=5` → 4.5 s), or the default. A release repeats itself: the last answer is kept. */
export function idleMsFrom(keepAlive: string | undefined): number {
  if (keepAlive === lastKeepAlive) return lastIdleMs;
  const seconds = keepAlive ? Number(/timeout=(\d+)/i.exec(keepAlive)?.[1]) : Number.NaN;
  lastKeepAlive = keepAlive;
  lastIdleMs = Number.isFinite(seconds) && seconds > 0 ? Math.max(seconds * 1000 - 500, 500) : DEFAULT_IDLE_MS;
  return lastIdleMs;
}
