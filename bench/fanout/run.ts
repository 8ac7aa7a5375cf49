/**
 * `npm run bench:fanout`: server CPU, memory and RTP loss with 1, 10, 25 and 50 WHEP viewers
 * of one 720p30 2.5 Mbit/s camera, for the real server and, in the same run, for the bare
 * baseline (bench/baseline/bareRelay.ts fed by bench/baseline/probe_sender.py). See bench/README.md.
 *
 * Per target: start it, measure it idle, then add viewers step by step (viewers are kept and
 * added to, not torn down between steps: bareRelay never drops a viewer, so fresh viewers per
 * step would leave dead ones behind in the baseline), wait until every viewer receives RTP,
 * settle, measure. Viewers live in load-generator processes (loadgen.ts) of at most
 * `--viewers-per-loadgen` each, filled one after the other.
 *
 * Human summary on stdout, then one JSON line last; progress on stderr. Exit 1 when something
 * fails to start or dies, 2 on bad arguments.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, onInterrupt } from '../../test/helpers/cleanup.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { printJsonLine, progress as benchProgress } from '../lib/report.js';
import { BaselineTarget } from './BaselineTarget.js';
import type { FanoutTarget, StreamSettings, TargetKind } from './FanoutTargetTypes.js';
import { LoadgenProcess } from './LoadgenProcess.js';
import { measureWindow, type WindowResult } from './measureWindow.js';
import { formatTable, type StepReport } from './fanoutTable.js';
import { ServerTarget, type ServerEntry } from './ServerTarget.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A load generator using more than this much of one core, all processes together, makes a step invalid, %. */
const LOADGEN_CPU_LIMIT_PCT = 70;
/** The baseline's single JS thread counts as saturated above this much of one core, %. */
const SATURATED_PCT = 90;

const usage = `usage: npm run bench:fanout -- [--steps 1,10,25,50] [--measure-s 20] [--settle-s 3]
  [--viewers-per-loadgen 25] [--targets server,baseline] [--server-entry tsx|dist]
  [--connect-timeout-s 60] [--pattern smpte] [--cpu-prof DIR]`;

function parseOptions(): {
  steps: number[];
  measureS: number;
  settleS: number;
  perLoadgen: number;
  targets: TargetKind[];
  entry: ServerEntry;
  connectTimeoutS: number;
  cpuProfDir: string | undefined;
  pattern: string;
} {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '1,10,25,50' },
      'measure-s': { type: 'string', default: '20' },
      'settle-s': { type: 'string', default: '3' },
      'viewers-per-loadgen': { type: 'string', default: '25' },
      targets: { type: 'string', default: 'server,baseline' },
      'server-entry': { type: 'string', default: 'tsx' },
      'connect-timeout-s': { type: 'string', default: '60' },
      'cpu-prof': { type: 'string' },
      pattern: { type: 'string', default: 'smpte' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const fail = (message: string): never => {
    process.stderr.write(`bench:fanout: ${message}\n${usage}\n`);
    process.exit(2);
  };
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    return Number.isFinite(n) && n > 0 ? n : fail(`--${name} must be a positive number, got ${text}`);
  };
  const steps = values.steps.split(',').map((s) => Math.round(positive('steps', s)));
  if (steps.some((s, i) => i > 0 && s <= steps[i - 1]!)) fail('--steps must increase (viewers are added, not removed)');
  const targets = values.targets.split(',') as TargetKind[];
  if (targets.length === 0 || targets.some((t) => t !== 'server' && t !== 'baseline')) {
    fail(`--targets takes server and/or baseline, got ${values.targets}`);
  }
  const entry = values['server-entry'];
  if (entry !== 'tsx' && entry !== 'dist') fail(`--server-entry must be tsx or dist, got ${entry}`);
  return {
    steps,
    measureS: positive('measure-s', values['measure-s']),
    settleS: Number(values['settle-s']) >= 0 ? Number(values['settle-s']) : fail('--settle-s must be ≥ 0'),
    perLoadgen: Math.round(positive('viewers-per-loadgen', values['viewers-per-loadgen'])),
    targets,
    entry: entry as ServerEntry,
    connectTimeoutS: positive('connect-timeout-s', values['connect-timeout-s']),
    cpuProfDir: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    pattern: /^[a-z0-9-]+$/.test(values.pattern) ? values.pattern : fail(`--pattern: bad name ${values.pattern}`),
  };
}

const options = parseOptions();
const stream: StreamSettings = {
  width: 1280,
  height: 720,
  fps: 30,
  bitrateKbps: 2500,
  keyframeInterval: 60,
  pattern: options.pattern,
};

const progress = (message: string): void => benchProgress('bench:fanout', message);

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

/** Everything that must be stopped on the way out, most recent last. */
const running = new Set<{ stop: () => Promise<void> }>();

async function stopAll(): Promise<void> {
  for (const item of [...running].reverse()) {
    await item.stop();
    running.delete(item);
  }
}

/** Adds viewers up to `total`, filling the last load generator before starting another. */
async function growTo(total: number, target: FanoutTarget, loadgens: LoadgenProcess[]): Promise<void> {
  let have = loadgens.reduce((n, l) => n + l.viewers, 0);
  while (have < total) {
    let last = loadgens.at(-1);
    if (!last || last.viewers >= options.perLoadgen) {
      last = await LoadgenProcess.start({
        root,
        url: target.whepUrl,
        name: `${target.kind}-loadgen-${loadgens.length}`,
        cpuProfDir: options.cpuProfDir && join(options.cpuProfDir, target.kind),
      });
      running.add(last);
      loadgens.push(last);
    }
    const count = Math.min(options.perLoadgen - last.viewers, total - have);
    last.add(count);
    have += count;
  }
}

/** Waits until every viewer has received RTP. @throws Error on a join failure or after the timeout. */
async function waitForMedia(target: FanoutTarget, loadgens: LoadgenProcess[], total: number): Promise<number[]> {
  const deadline = Date.now() + options.connectTimeoutS * 1000;
  for (;;) {
    target.assertRunning();
    const errors = loadgens.flatMap((l) => l.errors);
    if (errors.length > 0) throw new Error(`${target.kind}: viewers failed to join:\n  ${errors.join('\n  ')}`);
    const viewers = loadgens.flatMap((l) => l.latest);
    const receiving = viewers.filter((v) => v.firstPacketMs !== null);
    if (viewers.length === total && receiving.length === total) return receiving.map((v) => v.firstPacketMs!);
    if (Date.now() > deadline) {
      throw new Error(
        `${target.kind}: only ${receiving.length} of ${total} viewers receive RTP after ${options.connectTimeoutS} s ` +
          `(${viewers.length} joined; states: ${[...new Set(viewers.map((v) => v.state))].join(', ')})`,
      );
    }
    await sleep(0.25);
  }
}

/** Per-target results: the idle window, and one window per step with its join times. */
interface TargetResult {
  description: string;
  idle: WindowResult;
  steps: Map<number, WindowResult & { first_packet_ms_max: number; first_packet_ms_median: number }>;
}

async function measureTarget(kind: TargetKind): Promise<TargetResult> {
  progress(`${kind}: starting`);
  const target: FanoutTarget =
    kind === 'server'
      ? await ServerTarget.start({ root, entry: options.entry, stream })
      : await BaselineTarget.start({ root, stream });
  running.add(target);
  const loadgens: LoadgenProcess[] = [];
  try {
    progress(
      `${kind}: running (${target.description}, pid ${target.pid}); idle for ${options.settleS + options.measureS} s`,
    );
    await sleep(options.settleS);
    const idle = await measureWindow(target, [], options.measureS);
    progress(`${kind}: idle ${idle.cpu_pct.toFixed(1)} % of a core, encoder ${idle.encoder_cpu_pct?.toFixed(1)} %`);
    const steps: TargetResult['steps'] = new Map();
    for (const viewers of options.steps) {
      const before = loadgens.reduce((n, l) => n + l.viewers, 0);
      progress(`${kind}: ${viewers} viewers: adding ${viewers - before}`);
      await growTo(viewers, target, loadgens);
      const joins = (await waitForMedia(target, loadgens, viewers)).slice(before).sort((a, b) => a - b);
      progress(
        `${kind}: ${viewers} viewers receive RTP (slowest join ${joins.at(-1)} ms); settling ${options.settleS} s`,
      );
      await sleep(options.settleS);
      const window = await measureWindow(target, loadgens, options.measureS);
      const errors = loadgens.flatMap((l) => l.errors);
      if (errors.length > 0) throw new Error(`${kind}: load generator failed:\n  ${errors.join('\n  ')}`);
      steps.set(viewers, {
        ...window,
        first_packet_ms_max: joins.at(-1) ?? 0,
        first_packet_ms_median: joins[Math.floor(joins.length / 2)] ?? 0,
      });
      progress(
        `${kind}: ${viewers} viewers: ${window.cpu_pct.toFixed(1)} % of a core, lost ${window.packets_lost} of ` +
          `${window.packets_received + window.packets_lost}, loadgen ${window.loadgen_cpu_pct.toFixed(1)} %`,
      );
    }
    return { description: target.description, idle, steps };
  } finally {
    progress(`${kind}: stopping`);
    for (const loadgen of loadgens) {
      await loadgen.stop();
      running.delete(loadgen);
    }
    await target.stop();
    running.delete(target);
  }
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

function stepReport(viewers: number, server: TargetResult | undefined, baseline: TargetResult | undefined): StepReport {
  const s = server?.steps.get(viewers);
  const b = baseline?.steps.get(viewers);
  const perViewer = (r: TargetResult | undefined, w: WindowResult | undefined): number | null =>
    r && w ? round((w.cpu_pct - r.idle.cpu_pct) / viewers, 3) : null;
  const sPer = perViewer(server, s);
  const bPer = perViewer(baseline, b);
  return {
    viewers,
    cpu_pct: s ? round(s.cpu_pct) : null,
    idle_cpu_pct: server ? round(server.idle.cpu_pct) : null,
    cpu_pct_per_viewer: sPer,
    baseline_cpu_pct: b ? round(b.cpu_pct) : null,
    baseline_idle_cpu_pct: baseline ? round(baseline.idle.cpu_pct) : null,
    baseline_cpu_pct_per_viewer: bPer,
    ratio_vs_baseline: sPer !== null && bPer !== null && bPer > 0 ? round(sPer / bPer, 3) : null,
    rss_mb: s ? round(s.rss_mb, 1) : null,
    baseline_rss_mb: b ? round(b.rss_mb, 1) : null,
    packets_lost: s ? s.packets_lost : null,
    packets_received: s ? s.packets_received : null,
    loss_pct: s ? round((100 * s.packets_lost) / Math.max(1, s.packets_received + s.packets_lost), 3) : null,
    viewers_connected: s ? s.viewers_connected : null,
    server_viewers: s ? s.target_viewers : null,
    kbps_per_viewer: s ? round(s.kbps_per_viewer, 0) : null,
    first_packet_ms_max: s ? s.first_packet_ms_max : null,
    first_packet_ms_median: s ? s.first_packet_ms_median : null,
    camerad_cpu_pct: s?.encoder_cpu_pct != null ? round(s.encoder_cpu_pct) : null,
    camerad_fps: s?.encoder_fps != null ? round(s.encoder_fps, 1) : null,
    server_udp_drops: s ? s.target_udp_drops : null,
    loadgen_cpu_pct: s ? round(s.loadgen_cpu_pct) : null,
    loadgen_cpu_pct_per_viewer: s ? round(s.loadgen_cpu_pct / viewers, 3) : null,
    loadgen_udp_drops: s ? s.loadgen_udp_drops : null,
    valid: s ? s.loadgen_cpu_pct <= LOADGEN_CPU_LIMIT_PCT : null,
    host_busy_pct: s ? s.host_busy_pct : null,
    host_steal_pct: s ? s.host_steal_pct : null,
    baseline_packets_lost: b ? b.packets_lost : null,
    baseline_packets_received: b ? b.packets_received : null,
    baseline_first_packet_ms_max: b ? b.first_packet_ms_max : null,
    baseline_kbps_per_viewer: b ? round(b.kbps_per_viewer, 0) : null,
    baseline_encoder_cpu_pct: b?.encoder_cpu_pct != null ? round(b.encoder_cpu_pct) : null,
    baseline_loadgen_cpu_pct: b ? round(b.loadgen_cpu_pct) : null,
    baseline_loadgen_udp_drops: b ? b.loadgen_udp_drops : null,
    baseline_relay_udp_drops: b ? b.target_udp_drops : null,
    baseline_valid: b ? b.loadgen_cpu_pct <= LOADGEN_CPU_LIMIT_PCT : null,
    baseline_saturated: b ? b.cpu_pct >= SATURATED_PCT : null,
    baseline_host_steal_pct: b ? b.host_steal_pct : null,
  };
}

async function main(): Promise<void> {
  if (options.cpuProfDir) for (const t of options.targets) mkdirSync(join(options.cpuProfDir, t), { recursive: true });
  if (options.targets.includes('baseline') && !existsSync(join(root, 'bench/baseline/bareRelay.ts'))) {
    throw new Error('bench/baseline/bareRelay.ts is missing');
  }
  const startedAt = new Date().toISOString();
  const results: Partial<Record<TargetKind, TargetResult>> = {};
  for (const kind of options.targets) results[kind] = await measureTarget(kind);
  const steps = options.steps.map((v) => stepReport(v, results.server, results.baseline));
  const last = steps.at(-1)!;
  // Per-viewer CPU at 1 viewer is within the idle noise: the ratio goal looks at 10 viewers and up.
  const comparable = steps.filter(
    (s) => s.viewers >= 10 && s.ratio_vs_baseline !== null && s.baseline_saturated === false,
  );
  const report = {
    bench: 'fanout',
    started_at: startedAt,
    git: gitRevision(root),
    machine: machineInfo(),
    stream: {
      width: stream.width,
      height: stream.height,
      fps: stream.fps,
      bitrate_kbps: stream.bitrateKbps,
      keyframe_interval: stream.keyframeInterval,
      pattern: stream.pattern,
    },
    server: results.server?.description ?? null,
    baseline: results.baseline?.description ?? null,
    measure_s: options.measureS,
    settle_s: options.settleS,
    viewers_per_loadgen: options.perLoadgen,
    loadgen_cpu_limit_pct: LOADGEN_CPU_LIMIT_PCT,
    server_camerad_idle_cpu_pct:
      results.server?.idle.encoder_cpu_pct != null ? round(results.server.idle.encoder_cpu_pct) : null,
    goals: {
      /** The largest step lost nothing and its load generator stayed under the limit. */
      lossless_at_max_step: last.packets_lost === null ? null : last.packets_lost === 0 && last.valid === true,
      /** Highest server/baseline per-viewer CPU ratio over steps of ≥ 10 viewers where the baseline was not saturated. */
      max_ratio_vs_baseline: comparable.length > 0 ? Math.max(...comparable.map((s) => s.ratio_vs_baseline!)) : null,
    },
    steps,
  };
  process.stdout.write(formatTable(report.steps, report.machine, report.git));
  printJsonLine(report);
}

// SIGINT/SIGTERM: stop viewers and targets gracefully (5 s at most); cleanup.ts SIGKILLs any
// process group still registered when the bench exits.
installCleanup();
onInterrupt(stopAll);
main().then(
  () => stopAll(),
  async (error: unknown) => {
    process.stderr.write(`bench:fanout: ${(error as Error).message}\n`);
    await stopAll();
    process.exit(1);
  },
);
