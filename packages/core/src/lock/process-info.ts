import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/** The process acting for a deployment, recorded in its lock. */
export interface Actor {
  pid: number;
  host: string;
  user: string;
  command: string;
  startedAt: string;
  /** Kernel start time of the pid (Linux), so a reused pid is not mistaken for the holder. */
  procStart?: string;
}

export function currentActor(command = process.argv.slice(1).join(' ')): Actor {
  return {
    pid: process.pid,
    host: hostname(),
    user: safeUser(),
    command,
    startedAt: new Date().toISOString(),
    procStart: procStartOf(process.pid),
  };
}

/** 'alive' | 'dead' for a process on this host; 'unknown' when it ran elsewhere. */
export function actorLiveness(actor: Actor): 'alive' | 'dead' | 'unknown' {
  if (actor.host !== hostname()) return 'unknown';
  try {
    process.kill(actor.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  const start = procStartOf(actor.pid);
  if (actor.procStart && start && start !== actor.procStart) return 'dead';
  if (start === undefined && process.platform === 'linux') return 'dead';
  return isZombie(actor.pid) ? 'dead' : 'alive';
}

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; starttime is field 22 overall.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
