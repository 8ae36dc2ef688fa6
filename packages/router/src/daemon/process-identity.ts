import { readFileSync } from 'node:fs';

/**
 * What tells a release process apart from whatever later gets its pid: the kernel's start time of the pid, the boot it
 * ran in, and the process group the router created for it (a release is started as its own group leader).
 */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot. */
  startTime: string;
  /** /proc/sys/kernel/random/boot_id: a start time means nothing across a reboot. */
  bootId?: string;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state is field 3, pgrp 5, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]), startTime: fields[19] };
  } catch {
    return undefined;
  }
}

let bootId: string | undefined;
function currentBootId(): string | undefined {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {}
  return bootId;
}

/** The identity of a live process, read now (undefined when it is gone or /proc cannot tell). */
export function identityOf(pid: number | undefined): ProcessIdentity | undefined {
  if (!pid) return undefined;
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime, bootId: currentBootId() } : undefined;
}

/**
 * True only when `recorded` still names the same live process: same boot, same start time, not a zombie, and still the
 * leader of its own process group. Anything else (a reused pid, a reboot, no record) is not that release.
 */
export function isSameProcess(recorded: Partial<ProcessIdentity> | undefined): recorded is ProcessIdentity {
  if (!recorded?.pid || !recorded.startTime) return false;
  const stat = readStat(recorded.pid);
  if (!stat || stat.state === 'Z' || stat.startTime !== recorded.startTime || stat.pgrp !== recorded.pid) return false;
  return recorded.bootId === undefined || recorded.bootId === currentBootId();
}

/** Signals the process group of `recorded` if, and only if, it is still that release; false when it is not (left alone). */
export function signalIfSame(recorded: Partial<ProcessIdentity> | undefined, signal: NodeJS.Signals): boolean {
  if (!isSameProcess(recorded)) return false;
  try {
    process.kill(-recorded.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the group of a verified release, SIGKILL after `graceMs`; resolves once it is gone (or was never it). */
export async function stopVerified(recorded: Partial<ProcessIdentity> | undefined, graceMs: number): Promise<boolean> {
  if (!signalIfSame(recorded, 'SIGTERM')) return false;
  const deadline = Date.now() + graceMs;
  while (isSameProcess(recorded)) {
    if (Date.now() >= deadline) {
      signalIfSame(recorded, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (Date.now() >= deadline + 5_000) break;
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
