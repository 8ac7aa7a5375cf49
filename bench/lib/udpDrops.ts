import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full, summed over the
 * sockets that the given processes hold open now (the `drops` column of /proc/net/udp and
 * udp6, matched by socket inode against /proc/<pid>/fd). Counts since each socket was opened.
 * Tells "the receiving process was too slow" apart from "the sender never sent it".
 */
export function udpDrops(pids: number[]): number {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // the process has exited: its sockets are gone with it
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
      } catch {
        // the descriptor was closed between readdir and readlink: nothing to count
      }
    }
  }
  let drops = 0;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      if (cols.length >= 13 && inodes.has(cols[9]!)) drops += Number(cols[12]);
    }
  }
  return drops;
}
