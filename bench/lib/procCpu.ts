import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * Clock ticks per second of the times in `/proc/<pid>/stat` (USER_HZ), from `getconf CLK_TCK`;
 * 100 (the value on every mainstream Linux architecture) when getconf is missing.
 */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // no getconf: USER_HZ is 100 on x86-64 and arm64
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time a process has used so far, s: user + system time of all its threads (worker threads
 * included), not of its children (`/proc/<pid>/stat` fields 14 and 15, proc(5)).
 * @throws Error when the process does not exist.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may hold spaces and parentheses: the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at indexes 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
}

/**
 * Resident set size of a process, MiB (`VmRSS` of `/proc/<pid>/status`).
 * @throws Error when the process does not exist.
 */
export function rssMb(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
  return match ? Number(match[1]) / 1024 : 0;
}
