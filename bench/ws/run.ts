/**
 * `npm run bench:ws`: the WebSocket video path with one slow and several fast viewers
 * (bench/README.md, "bench:ws"; docs/websocket-video.md).
 *
 * Starts the real server (child process, camerad spawned by it; camera `--source` at
 * `--width` × `--height`, `--fps`, `--bitrate` kbit/s), reads its RSS, then opens one slow
 * WebSocket viewer (from 127.0.0.2, reading its TCP socket at `--slow-kbps`) and `--fast` fast
 * viewers (127.0.0.1, reading at full speed). Over `--duration-s` seconds: access units each
 * fast viewer received per second against the camera's encoded frames per second in the same
 * window (camerad's `frames_out`), the slow viewer's counters from
 * `GET /api/cameras/:camera/viewers` (drops, skips, largest queue against `websocket.queueBytes`),
 * the server's RSS (polled every second) and CPU.
 *
 * Output: progress on stderr, a table and a verdict on stdout, then one JSON line (last line of
 * stdout). Exit 1 when a goal was missed or the run failed (`error`), 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { projectRoot } from '../../server/config/projectRoot.js';
import { installCleanup } from '../../test/helpers/cleanup.js';
import { RawWsClient, type RawWsOptions } from '../../test/helpers/RawWsClient.js';
import { BenchServer, type ServerEntry } from '../lib/BenchServer.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { cpuSeconds, rssMb } from '../lib/procCpu.js';
import { printJsonLine, printTable, progress } from '../lib/report.js';
import { mean, median, round } from '../lib/stats.js';

const BENCH = 'bench:ws';
/** Goals of issue 13 (must-show 3). */
const GOAL_RSS_GROWTH_MB = 20;
const GOAL_FPS_RATIO = 0.95;

function usage(message: string): never {
  process.stderr.write(
    `${BENCH}: ${message}\n` +
      'usage: npm run bench:ws -- [--fast 5] [--duration-s 30] [--slow-kbps 500] [--source test://snow] ' +
      '[--width 640] [--height 360] [--fps 30] [--bitrate 2500] [--queue-bytes N] [--stall-timeout-ms 120000] ' +
      '[--warmup-s 3] [--server-entry tsx|dist] [--verbose]\n',
  );
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      fast: { type: 'string', default: '5' },
      'duration-s': { type: 'string', default: '30' },
      'slow-kbps': { type: 'string', default: '500' },
      source: { type: 'string', default: 'test://snow' },
      width: { type: 'string', default: '640' },
      height: { type: 'string', default: '360' },
      fps: { type: 'string', default: '30' },
      bitrate: { type: 'string', default: '2500' },
      'queue-bytes': { type: 'string' },
      'stall-timeout-ms': { type: 'string', default: '120000' },
      'warmup-s': { type: 'string', default: '3' },
      'server-entry': { type: 'string', default: 'tsx' },
      verbose: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const args = parsed.values;
const fastCount = Number(args.fast);
const durationS = Number(args['duration-s']);
const slowKbps = Number(args['slow-kbps']);
const width = Number(args.width);
const height = Number(args.height);
const fps = Number(args.fps);
const bitrate = Number(args.bitrate);
const stallTimeoutMs = Number(args['stall-timeout-ms']);
const warmupS = Number(args['warmup-s']);
const entry = args['server-entry'] as ServerEntry;
if (!(Number.isInteger(fastCount) && fastCount >= 1 && fastCount <= 7)) usage('--fast: 1..7 (viewers per address)');
if (!(durationS >= 5)) usage('--duration-s must be ≥ 5');
if (!(slowKbps >= 50)) usage('--slow-kbps must be ≥ 50');
if (!(width >= 64 && height >= 64 && width % 2 === 0 && height % 2 === 0)) usage('--width/--height: even, ≥ 64');
if (!(fps >= 1 && fps <= 60)) usage('--fps: 1..60');
if (!(bitrate >= 100)) usage('--bitrate must be ≥ 100 kbit/s');
if (!(stallTimeoutMs >= 100)) usage('--stall-timeout-ms must be ≥ 100');
if (!(warmupS >= 0)) usage('--warmup-s must be ≥ 0');
if (entry !== 'tsx' && entry !== 'dist') usage('--server-entry must be tsx or dist');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = projectRoot();
installCleanup();

/** One viewer's counters of `GET /api/cameras/:camera/viewers` (media/ws/WsVideoTypes.ts). */
interface WsViewerStats {
  address: string;
  sent: number;
  droppedAccessUnits: number;
  droppedBytes: number;
  skips: number;
  maxQueueBytes: number;
  queueLimitBytes: number;
}

const result = {
  rss_growth_mb: null as number | null,
  fast_fps_ratio: null as number | null,
  camera_fps: null as number | null,
  fast_fps_min: null as number | null,
  fast_fps_mean: null as number | null,
  fast_first_frame_ms_median: null as number | null,
  slow_dropped_aus: null as number | null,
  slow_dropped_bytes: null as number | null,
  slow_skips: null as number | null,
  slow_sent_aus: null as number | null,
  slow_max_queue_bytes: null as number | null,
  queue_limit_bytes: null as number | null,
  slow_read_kbps: null as number | null,
  rss_start_mb: null as number | null,
  rss_max_mb: null as number | null,
  server_cpu_pct: null as number | null,
  window_s: null as number | null,
  goals: {
    rss_growth_below_20_mb: null as boolean | null,
    fast_fps_ratio_at_least_0_95: null as boolean | null,
    slow_queue_within_bound: null as boolean | null,
    slow_drops_rise: null as boolean | null,
  },
  error: null as string | null,
};

let server: BenchServer | undefined;
const viewers: RawWsClient[] = [];
try {
  progress(BENCH, `starting the server (${args.source} ${width}×${height} ${fps} fps ${bitrate} kbit/s)`);
  server = await BenchServer.start({
    root,
    camera: { id: 'bench', source: args.source, width, height, fps, bitrateKbps: bitrate, keyframeInterval: fps * 2 },
    entry,
    echo: args.verbose,
    env: {
      ECS_VISION__ENABLED: 'false',
      // A slow reader's progress shows only when the kernel takes more of what was written;
      // loopback's socket buffers (MBs) hide it for ~20 s at a time (docs/websocket-video.md).
      ECS_WEBSOCKET__STALL_TIMEOUT_MS: String(stallTimeoutMs),
      ...(args['queue-bytes'] ? { ECS_WEBSOCKET__QUEUE_BYTES: args['queue-bytes'] } : {}),
    },
  });
  const srv = server;
  const wsUrl = `${srv.url}/api/cameras/${srv.cameraId}/ws`;
  await sleep(warmupS * 1000);
  const serverPid = srv.process.pid;
  result.rss_start_mb = round(rssMb(serverPid));
  let rssMax = rssMb(serverPid);
  progress(
    BENCH,
    `server RSS ${result.rss_start_mb} MB; opening 1 slow (${slowKbps} kbit/s) and ${fastCount} fast viewers`,
  );

  const open = async (options: RawWsOptions): Promise<RawWsClient> => {
    const client = await RawWsClient.open(wsUrl, options);
    if (!(client instanceof RawWsClient)) throw new Error(`upgrade refused: ${client.status} ${client.body}`);
    viewers.push(client);
    return client;
  };
  const slow = await open({ localAddress: '127.0.0.2', readBytesPerS: (slowKbps * 1000) / 8, onMessage: () => {} });
  const counts = new Array<number>(fastCount).fill(0);
  const firstFrameMs: number[] = [];
  for (let i = 0; i < fastCount; i += 1) {
    const openedAt = performance.now();
    await open({
      onMessage: (message) => {
        if (message.kind !== 'binary') return;
        if (counts[i] === 0) firstFrameMs.push(performance.now() - openedAt);
        counts[i]! += 1;
      },
    });
  }
  const wsStats = async (): Promise<WsViewerStats[]> => {
    const res = await fetch(`${srv.url}/api/cameras/${srv.cameraId}/viewers`);
    if (!res.ok) throw new Error(`GET viewers: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { ws_viewers: WsViewerStats[] }).ws_viewers;
  };
  const slowStats = async (): Promise<WsViewerStats> => {
    const s = (await wsStats()).find((v) => v.address === '127.0.0.2');
    if (!s) throw new Error('the slow viewer is gone (closed by the server?)');
    return s;
  };
  await sleep(2000);

  // The window: camera frames and fast viewers' access units counted from the same moment.
  const camera0 = await srv.camera();
  const cameradFrames0 = camera0?.frames_out ?? 0;
  const counts0 = [...counts];
  const slowBytes0 = slow.bytesRead;
  const cpu0 = cpuSeconds(serverPid);
  const t0 = performance.now();
  let middle: WsViewerStats | undefined;
  let lastLog = t0;
  while (performance.now() - t0 < durationS * 1000) {
    await sleep(1000);
    rssMax = Math.max(rssMax, rssMb(serverPid));
    const s = await slowStats();
    if (!middle && performance.now() - t0 >= (durationS * 1000) / 2) middle = s;
    if (performance.now() - lastLog >= 5000) {
      lastLog = performance.now();
      progress(
        BENCH,
        `${Math.round((lastLog - t0) / 1000)} s: slow viewer skips ${s.skips}, dropped ${s.droppedAccessUnits} AUs, ` +
          `max queue ${s.maxQueueBytes}/${s.queueLimitBytes} B; server RSS ${round(rssMb(serverPid))} MB`,
      );
    }
  }
  const windowS = (performance.now() - t0) / 1000;
  const camera1 = await srv.camera();
  const end = await slowStats();
  result.window_s = round(windowS);
  result.server_cpu_pct = round(((cpuSeconds(serverPid) - cpu0) / windowS) * 100);
  result.rss_max_mb = round(Math.max(rssMax, rssMb(serverPid)));
  result.rss_growth_mb = round(result.rss_max_mb! - result.rss_start_mb!);
  result.camera_fps = round(((camera1?.frames_out ?? 0) - cameradFrames0) / windowS, 2);
  const fastFps = counts.map((c, i) => (c - counts0[i]!) / windowS);
  result.fast_fps_min = round(Math.min(...fastFps), 2);
  result.fast_fps_mean = round(mean(fastFps), 2);
  result.fast_fps_ratio = result.camera_fps ? round(Math.min(...fastFps) / result.camera_fps, 3) : null;
  result.fast_first_frame_ms_median = round(median(firstFrameMs));
  result.slow_dropped_aus = end.droppedAccessUnits;
  result.slow_dropped_bytes = end.droppedBytes;
  result.slow_skips = end.skips;
  result.slow_sent_aus = end.sent;
  result.slow_max_queue_bytes = end.maxQueueBytes;
  result.queue_limit_bytes = end.queueLimitBytes;
  result.slow_read_kbps = round(((slow.bytesRead - slowBytes0) * 8) / windowS / 1000);
  result.goals = {
    rss_growth_below_20_mb: result.rss_growth_mb! < GOAL_RSS_GROWTH_MB,
    fast_fps_ratio_at_least_0_95: result.fast_fps_ratio !== null && result.fast_fps_ratio >= GOAL_FPS_RATIO,
    slow_queue_within_bound: end.maxQueueBytes <= end.queueLimitBytes,
    slow_drops_rise: middle !== undefined && end.droppedAccessUnits > middle.droppedAccessUnits,
  };
} catch (error) {
  result.error = (error as Error).message;
  progress(BENCH, `failed: ${result.error}`);
} finally {
  for (const viewer of viewers) viewer.close();
  await server?.stop();
}

printTable(
  [
    'camera fps',
    'fast fps min',
    'mean',
    'ratio',
    'first frame ms',
    'slow read kbit/s',
    'slow skips',
    'dropped AUs',
    'dropped KB',
    'max queue KB',
    'RSS start',
    'growth',
    'server CPU %',
  ],
  [
    [
      result.camera_fps,
      result.fast_fps_min,
      result.fast_fps_mean,
      result.fast_fps_ratio,
      result.fast_first_frame_ms_median,
      result.slow_read_kbps,
      result.slow_skips,
      result.slow_dropped_aus,
      result.slow_dropped_bytes === null ? null : round(result.slow_dropped_bytes / 1024),
      result.slow_max_queue_bytes === null
        ? null
        : `${round(result.slow_max_queue_bytes / 1024)}/${round(result.queue_limit_bytes! / 1024)}`,
      result.rss_start_mb,
      result.rss_growth_mb,
      result.server_cpu_pct,
    ],
  ],
);
const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'ok' : 'MISSED');
process.stdout.write(
  `server RSS growth < ${GOAL_RSS_GROWTH_MB} MB ${verdict(result.goals.rss_growth_below_20_mb)}; ` +
    `fast viewers ≥ ${GOAL_FPS_RATIO} × camera fps ${verdict(result.goals.fast_fps_ratio_at_least_0_95)}; ` +
    `slow viewer queue within bound ${verdict(result.goals.slow_queue_within_bound)}, ` +
    `drops rise ${verdict(result.goals.slow_drops_rise)}` +
    (result.error ? `; error: ${result.error}` : '') +
    '\n',
);
printJsonLine({
  bench: 'ws',
  ...result,
  config: { source: args.source, width, height, fps, bitrate_kbps: bitrate, fast: fastCount, slow_kbps: slowKbps },
  git: gitRevision(root),
  machine: machineInfo(),
});
process.exitCode = result.error || Object.values(result.goals).some((g) => g !== true) ? 1 : 0;
