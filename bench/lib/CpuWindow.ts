import { cpuSeconds } from './procCpu.js';

/**
 * CPU use of a set of processes over a window: created at its start, `pct()` at its end gives
 * user + system time of all their threads (not of their children) per wall-clock second, in
 * percent of one core (100 = one core busy all the time). From /proc/<pid>/stat (Linux).
 */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly before: number[];

  /**
   * @param pids processes to measure.
   * @throws Error when one of them does not exist.
   */
  constructor(private readonly pids: number[]) {
    this.before = pids.map((pid) => cpuSeconds(pid));
  }

  /**
   * CPU of all the processes together since the window started, % of one core.
   * @throws Error when one of them has exited (its last CPU time is gone with it).
   */
  pct(): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (seconds <= 0) return 0;
    const used = this.pids.reduce((total, pid, i) => total + cpuSeconds(pid) - this.before[i]!, 0);
    return (used / seconds) * 100;
  }
}
