import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';

// Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel.
const TICKS_PER_SECOND = 100;

/** CPU % (of one core) between two reads, and memory % of the machine, for a process, from /proc. */
export class ProcessUsage {
  #last?: { ticks: number; at: number };

  async read(pid: number): Promise<{ cpuPercent?: number; memoryPercent: number } | undefined> {
    let stat: string;
    let status: string;
    try {
      [stat, status] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/status`, 'utf8'),
      ]);
    } catch {
      return undefined;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const now = Date.now();
    const previous = this.#last;
    this.#last = { ticks, at: now };
    const cpuPercent =
      previous && now > previous.at
        ? ((ticks - previous.ticks) / TICKS_PER_SECOND / ((now - previous.at) / 1000)) * 100
        : undefined;
    return { cpuPercent, memoryPercent: ((rssKb * 1024) / totalmem()) * 100 };
  }
}
