import { readFile, readdir, readlink } from 'node:fs/promises';

/**
 * Whether process `pid` holds the listening socket of TCP `port` (Linux: /proc/net/tcp{,6} inodes against the process's
 * file descriptors). `undefined` where /proc cannot tell (another OS, or no permission to read the process's fds).
 */
export async function listensOn(pid: number, port: number): Promise<boolean | undefined> {
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields.length > 9 && fields[3] === '0A' && Number.parseInt(fields[1].split(':').pop() ?? '', 16) === port)
        inodes.add(fields[9]);
    }
  }
  if (!readable) return undefined;
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => undefined);
  if (!fds) return undefined;
  for (const fd of fds) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}
