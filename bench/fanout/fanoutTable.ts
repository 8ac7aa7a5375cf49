import type { MachineInfo } from '../lib/machine.js';

/**
 * One step of the JSON report (bench/README.md explains every key). CPU in % of one core;
 * `baseline_*` are the bare prototype's figures at the same step; null = not measured.
 */
export interface StepReport {
  viewers: number;
  cpu_pct: number | null;
  idle_cpu_pct: number | null;
  cpu_pct_per_viewer: number | null;
  baseline_cpu_pct: number | null;
  baseline_idle_cpu_pct: number | null;
  baseline_cpu_pct_per_viewer: number | null;
  ratio_vs_baseline: number | null;
  rss_mb: number | null;
  baseline_rss_mb: number | null;
  packets_lost: number | null;
  packets_received: number | null;
  loss_pct: number | null;
  viewers_connected: number | null;
  server_viewers: number | null;
  kbps_per_viewer: number | null;
  first_packet_ms_max: number | null;
  first_packet_ms_median: number | null;
  camerad_cpu_pct: number | null;
  camerad_fps: number | null;
  server_udp_drops: number | null;
  loadgen_cpu_pct: number | null;
  loadgen_cpu_pct_per_viewer: number | null;
  loadgen_udp_drops: number | null;
  valid: boolean | null;
  host_busy_pct: number | null;
  host_steal_pct: number | null;
  baseline_packets_lost: number | null;
  baseline_packets_received: number | null;
  baseline_first_packet_ms_max: number | null;
  baseline_kbps_per_viewer: number | null;
  baseline_encoder_cpu_pct: number | null;
  baseline_loadgen_cpu_pct: number | null;
  baseline_loadgen_udp_drops: number | null;
  baseline_relay_udp_drops: number | null;
  baseline_valid: boolean | null;
  baseline_saturated: boolean | null;
  baseline_host_steal_pct: number | null;
}

const show = (value: number | boolean | null, digits = 1): string =>
  value === null ? '-' : typeof value === 'boolean' ? (value ? 'yes' : 'NO') : value.toFixed(digits);

/** The human summary: one row per step, server beside baseline. */
export function formatTable(steps: StepReport[], machine: MachineInfo, git: string | null): string {
  const header = [
    'viewers',
    'cpu %',
    '/viewer',
    'base %',
    'base/viewer',
    'ratio',
    'rss MB',
    'lost',
    'base lost',
    'kbit/s',
    'loadgen %',
    'lg/viewer',
    'valid',
    'steal %',
  ];
  const rows = steps.map((s) => [
    String(s.viewers),
    show(s.cpu_pct),
    show(s.cpu_pct_per_viewer, 2),
    show(s.baseline_cpu_pct),
    show(s.baseline_cpu_pct_per_viewer, 2) + (s.baseline_saturated ? '*' : ''),
    show(s.ratio_vs_baseline, 2),
    show(s.rss_mb, 0),
    s.packets_lost === null ? '-' : `${s.packets_lost}/${(s.packets_received ?? 0) + s.packets_lost}`,
    s.baseline_packets_lost === null
      ? '-'
      : `${s.baseline_packets_lost}/${(s.baseline_packets_received ?? 0) + s.baseline_packets_lost}`,
    show(s.kbps_per_viewer, 0),
    show(s.loadgen_cpu_pct),
    show(s.loadgen_cpu_pct_per_viewer, 2),
    show(s.valid),
    show(s.host_steal_pct),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [
    `fan-out of 720p30 2.5 Mbit/s on ${machine.nproc} CPUs (${machine.cpu_model}), git ${git ?? '?'}`,
    'CPU in % of one core; /viewer = (step − idle) / viewers; ratio = server/viewer ÷ baseline/viewer;',
    'lost = RTP sequence gaps / packets expected during the window; * = baseline thread saturated;',
    'kbit/s = received per server viewer; loadgen = all load generators, valid = loadgen ≤ 70 % of a core.',
    line(header),
    ...rows.map(line),
    '',
  ].join('\n');
}
