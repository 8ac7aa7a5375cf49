import { CpuWindow } from '../lib/CpuWindow.js';
import { HostCpuWindow } from '../lib/HostCpuWindow.js';
import { rssMb } from '../lib/procCpu.js';
import { udpDrops } from '../lib/udpDrops.js';
import type { FanoutTarget } from './FanoutTargetTypes.js';
import type { LoadgenProcess } from './LoadgenProcess.js';
import type { ViewerStats } from './LoadgenProtocol.js';

/** What one measurement window of one target saw. CPU in % of one core over the window. */
export interface WindowResult {
  /** Viewers present (asked for) during the window. */
  viewers: number;
  /** Viewers whose peer was `connected` at the end of the window. */
  viewers_connected: number;
  /** Viewers the target itself counted at the end of the window (it drops those that send no RTCP). */
  target_viewers: number;
  /** Measured process (Node server / bareRelay), all threads. */
  cpu_pct: number;
  /** Its resident memory at the end of the window, MiB. */
  rss_mb: number;
  /** camerad or probe_sender.py; null when it could not be read (restarted during the window). */
  encoder_cpu_pct: number | null;
  /** Frames/s the encoder produced over the window (camerad only; null for probe_sender.py). */
  encoder_fps: number | null;
  /** Datagrams the kernel dropped on the target's full sockets (RTP ingest included) during the window. */
  target_udp_drops: number;
  /** All load-generator processes together. */
  loadgen_cpu_pct: number;
  /** RTP sequence gaps seen by all viewers during the window, packets. */
  packets_lost: number;
  /** RTP datagrams received by all viewers during the window. */
  packets_received: number;
  /** Datagrams the kernel dropped on full load-generator sockets during the window (their fault, not the server's). */
  loadgen_udp_drops: number;
  /** Mean RTP bitrate per viewer over the window, kbit/s (SRTP bytes). */
  kbps_per_viewer: number;
  /** Receiver reports that failed to send during the window, all viewers. */
  rtcp_errors: number;
  /** Whole machine busy over the window, % of all cores. */
  host_busy_pct: number;
  /** CPU taken by the hypervisor for other guests over the window, % of all cores (noise, not our load). */
  host_steal_pct: number;
  /** Wall-clock length of the window, s. */
  window_s: number;
}

/**
 * Measures one window: CPU of the target, its encoder and the load generators, RSS, and the
 * viewers' counters (difference of snapshots taken at both ends).
 * @throws Error when a process dies during the window.
 */
export async function measureWindow(
  target: FanoutTarget,
  loadgens: LoadgenProcess[],
  seconds: number,
): Promise<WindowResult> {
  const encoderPid = await target.encoderPid();
  const loadgenPids = loadgens.map((l) => l.pid);
  const before = (await Promise.all(loadgens.map((l) => l.snapshot()))).flat();
  const dropsBefore = udpDrops(loadgenPids);
  const targetDropsBefore = udpDrops([target.pid]);
  const framesBefore = await target.encoderFrames();
  const startedAt = process.hrtime.bigint();
  const host = new HostCpuWindow();
  const server = new CpuWindow([target.pid]);
  const loadgen = new CpuWindow(loadgenPids);
  const encoder = encoderPid === null ? undefined : new CpuWindow([encoderPid]);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  target.assertRunning();
  const cpu = server.pct();
  const loadgenCpu = loadgen.pct();
  let encoderCpu: number | null;
  try {
    encoderCpu = encoder?.pct() ?? null;
  } catch {
    encoderCpu = null; // the encoder was restarted during the window: its CPU is unknown
  }
  const hostCpu = host.finish();
  const windowS = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const after = (await Promise.all(loadgens.map((l) => l.snapshot()))).flat();
  const dropsAfter = udpDrops(loadgenPids);
  const targetDropsAfter = udpDrops([target.pid]);
  const framesAfter = await target.encoderFrames();
  const targetViewers = await target.viewerCount();
  const sum = (list: ViewerStats[], key: 'packets' | 'lost' | 'bytes' | 'rtcpErrors'): number =>
    list.reduce((total, v) => total + v[key], 0);
  const viewers = loadgens.reduce((n, l) => n + l.viewers, 0);
  return {
    viewers,
    viewers_connected: after.filter((v) => v.state === 'connected').length,
    target_viewers: targetViewers,
    cpu_pct: cpu,
    rss_mb: rssMb(target.pid),
    encoder_cpu_pct: encoderCpu,
    encoder_fps: framesBefore !== null && framesAfter !== null ? (framesAfter - framesBefore) / windowS : null,
    target_udp_drops: targetDropsAfter - targetDropsBefore,
    loadgen_cpu_pct: loadgenCpu,
    packets_lost: sum(after, 'lost') - sum(before, 'lost'),
    packets_received: sum(after, 'packets') - sum(before, 'packets'),
    loadgen_udp_drops: dropsAfter - dropsBefore,
    kbps_per_viewer: viewers > 0 ? ((sum(after, 'bytes') - sum(before, 'bytes')) * 8) / 1000 / windowS / viewers : 0,
    rtcp_errors: sum(after, 'rtcpErrors') - sum(before, 'rtcpErrors'),
    host_busy_pct: hostCpu.busyPct,
    host_steal_pct: hostCpu.stealPct,
    window_s: windowS,
  };
}
