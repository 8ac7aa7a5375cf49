import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Whole-machine CPU over a window, percent of all cores. */
export interface HostCpu {
  /** Not idle and not waiting for I/O. */
  busyPct: number;
  /** Taken by the hypervisor for other guests: a noisy neighbour, not our load. */
  stealPct: number;
  /** Online CPUs. */
  cores: number;
}

/** The aggregate "cpu" line of /proc/stat, ticks: [total, idle + iowait, steal]. */
function readStat(): [number, number, number] {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return [total, (fields[3] ?? 0) + (fields[4] ?? 0), fields[7] ?? 0];
}

/**
 * Busy and steal time of the whole machine over a window (/proc/stat, proc(5)): created at its
 * start, `finish()` at its end. Steal tells a noisy machine apart from a slow program.
 */
export class HostCpuWindow {
  private readonly before = readStat();

  /** Busy and steal since the window started. */
  finish(): HostCpu {
    const [total, idle, steal] = readStat();
    const dTotal = Math.max(1, total - this.before[0]);
    const pct = (x: number): number => Math.round((x / dTotal) * 1000) / 10;
    return {
      busyPct: pct(dTotal - (idle - this.before[1])),
      stealPct: pct(steal - this.before[2]),
      cores: cpus().length,
    };
  }
}
