/**
 * `npm run bench:mjpeg`: MJPEG fan-out with one client that stops reading (bench/mjpeg/README.md).
 *
 * Starts the real server (child process, camerad spawned by it; camera `test://smpte`,
 * `--width` × `--height` at 30 fps; `outputs.mjpeg` fps / quality / queueFrames from the options),
 * connects `--clients` MJPEG clients to `/mjpeg-stream`, waits until each has 3 parts, then
 * pauses the first one (it stops reading its socket) for `--pause-s` seconds while the others
 * read. Over that window: frames per second each reading client received (by count), the paused
 * client's queue (polled from `GET /api/mjpeg` every 500 ms, plus the server's own high-water
 * mark) and drops, the server's RSS (from before the clients connected to the end of the window,
 * and its maximum), CPU of the server and camerad. Then the paused client reads again and must
 * get whole parts.
 *
 * Output: progress on stderr, a summary on stdout, then one JSON line (last line of stdout):
 * `{"clients", "rss_start_mb", "rss_end_mb", "fast_client_fps", …}`. Exit 1 when a goal was
 * missed or the run failed (`error` says why), 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { projectRoot } from '../../server/config/projectRoot.js';
import { installCleanup } from '../../test/helpers/cleanup.js';
import { MjpegTestClient } from '../../test/media/mjpeg/MjpegTestClient.js';
import type { MjpegClientStats, MjpegHubStats } from '../../media/mjpeg/MjpegTypes.js';
import type { MjpegStats } from '../../media/mjpeg/createMjpeg.js';
import { BenchServer, type ServerEntry } from '../lib/BenchServer.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { cpuSeconds, rssMb } from '../lib/procCpu.js';
import { printJsonLine, printTable, progress } from '../lib/report.js';
import { median, round } from '../lib/stats.js';

const BENCH = 'bench:mjpeg';
/** Goals of the issue: RSS growth, and the reading clients' rate against the configured one. */
const GOAL_RSS_GROWTH_MB = 50;
const GOAL_FPS_RATIO = 0.9;

function usage(message: string): never {
  process.stderr.write(
    `${BENCH}: ${message}\n` +
      'usage: npm run bench:mjpeg -- [--clients 20] [--pause-s 30] [--fps 15] [--quality 80] [--queue 2] ' +
      '[--width 1280] [--height 720] [--warmup-s 3] [--server-entry tsx|dist] [--verbose]\n',
  );
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      clients: { type: 'string', default: '20' },
      'pause-s': { type: 'string', default: '30' },
      fps: { type: 'string', default: '15' },
      quality: { type: 'string', default: '80' },
      queue: { type: 'string', default: '2' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '720' },
      'warmup-s': { type: 'string', default: '3' },
      'server-entry': { type: 'string', default: 'tsx' },
      verbose: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const args = parsed.values;
const clientCount = Number(args.clients);
const pauseS = Number(args['pause-s']);
const fps = Number(args.fps);
const quality = Number(args.quality);
const queue = Number(args.queue);
const width = Number(args.width);
const height = Number(args.height);
const warmupS = Number(args['warmup-s']);
const entry = args['server-entry'] as ServerEntry;
if (!(Number.isInteger(clientCount) && clientCount >= 2 && clientCount <= 1000)) usage('--clients: 2..1000');
if (!(pauseS > 0)) usage('--pause-s must be > 0');
if (!(fps >= 1 && fps <= 30)) usage('--fps: 1..30');
if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) usage('--quality: 1..100');
if (!(Number.isInteger(queue) && queue >= 1 && queue <= 16)) usage('--queue: 1..16');
if (!(width >= 64 && height >= 64 && width % 2 === 0 && height % 2 === 0)) usage('--width/--height: even, ≥ 64');
if (!(warmupS >= 0)) usage('--warmup-s must be ≥ 0');
if (entry !== 'tsx' && entry !== 'dist') usage('--server-entry must be tsx or dist');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = projectRoot();
installCleanup();

/** The figures of one run; null where the run failed before measuring them. */
interface Result {
  clients: number;
  rss_start_mb: number | null;
  rss_end_mb: number | null;
  rss_max_mb: number | null;
  /** Mean over the reading clients of the frames each received per second (count / window). */
  fast_client_fps: number | null;
  fast_client_fps_min: number | null;
  fast_client_fps_median: number | null;
  configured_fps: number;
  /** Stills per second the server received from camerad over the window (the hub's count). */
  source_stills_fps: number | null;
  pause_s: number;
  window_s: number | null;
  queue_bound: number;
  paused_client_max_queued: number | null;
  paused_client_dropped: number | null;
  paused_client_sent: number | null;
  paused_client_parts_after_resume: number | null;
  jpeg_kb: number | null;
  server_cpu_pct: number | null;
  camerad_cpu_pct: number | null;
  goals: {
    queue_within_bound: boolean | null;
    paused_client_drops_rise: boolean | null;
    rss_within_50_mb: boolean | null;
    fast_clients_at_least_0_9_fps: boolean | null;
  };
  error: string | null;
}

const result: Result = {
  clients: clientCount,
  rss_start_mb: null,
  rss_end_mb: null,
  rss_max_mb: null,
  fast_client_fps: null,
  fast_client_fps_min: null,
  fast_client_fps_median: null,
  configured_fps: fps,
  source_stills_fps: null,
  pause_s: pauseS,
  window_s: null,
  queue_bound: queue,
  paused_client_max_queued: null,
  paused_client_dropped: null,
  paused_client_sent: null,
  paused_client_parts_after_resume: null,
  jpeg_kb: null,
  server_cpu_pct: null,
  camerad_cpu_pct: null,
  goals: {
    queue_within_bound: null,
    paused_client_drops_rise: null,
    rss_within_50_mb: null,
    fast_clients_at_least_0_9_fps: null,
  },
  error: null,
};

let server: BenchServer | undefined;
const readers: MjpegTestClient[] = [];
try {
  progress(BENCH, `starting the server (${width}×${height}, MJPEG ${fps} fps q${quality}, queue ${queue})`);
  server = await BenchServer.start({
    root,
    camera: { id: 'bench', source: 'test://smpte', width, height, fps: 30, bitrateKbps: 2500 },
    entry,
    echo: args.verbose,
    env: {
      ECS_VISION__ENABLED: 'false',
      ECS_OUTPUTS__MJPEG__FPS: String(fps),
      ECS_OUTPUTS__MJPEG__QUALITY: String(quality),
      ECS_OUTPUTS__MJPEG__QUEUE_FRAMES: String(queue),
      ECS_OUTPUTS__MJPEG__MAX_CLIENTS: String(Math.max(50, clientCount)),
    },
  });
  const srv = server;
  const stats = async (): Promise<MjpegStats> => {
    const res = await fetch(`${srv.url}/api/mjpeg`);
    if (!res.ok) throw new Error(`GET /api/mjpeg: ${res.status} (does the server serve MJPEG?) ${await res.text()}`);
    return (await res.json()) as MjpegStats;
  };
  const hubStats = async (): Promise<MjpegHubStats> => {
    const hub = (await stats()).hubs.find((h) => h.camera === srv.cameraId && h.variant === 'clean');
    if (!hub) throw new Error(`no clean MJPEG hub for camera ${srv.cameraId}`);
    return hub;
  };
  await stats();
  await sleep(warmupS * 1000);
  const serverPid = srv.process.pid;
  result.rss_start_mb = round(rssMb(serverPid));
  progress(BENCH, `server RSS ${result.rss_start_mb} MB; connecting ${clientCount} clients`);

  for (let i = 0; i < clientCount; i += 1) {
    const reader = new MjpegTestClient(`${srv.url}/mjpeg-stream?camera=${srv.cameraId}`, { keepParts: false });
    readers.push(reader);
    await reader.responded();
    if (reader.status !== 200) throw new Error(`client ${i}: HTTP ${reader.status} ${await reader.text()}`);
  }
  const deadline = Date.now() + 20_000;
  while (readers.some((r) => r.count < 3)) {
    if (Date.now() > deadline) throw new Error(`clients without 3 parts after 20 s: ${readers.map((r) => r.count)}`);
    await sleep(100);
  }
  const [paused, ...fast] = readers as [MjpegTestClient, ...MjpegTestClient[]];
  result.jpeg_kb = round((paused.lastJpeg?.length ?? 0) / 1024);
  const pausedOf = (hub: MjpegHubStats): MjpegClientStats => {
    const s = hub.clientStats.find((c) => c.remote.endsWith(`:${paused.localPort}`));
    if (!s) throw new Error(`the paused client (port ${paused.localPort}) is not in the server's statistics`);
    return s;
  };

  progress(BENCH, `pausing client 0 for ${pauseS} s`);
  paused.pause();
  const camerad = await srv.camera();
  const cameradPid = camerad?.pid ?? undefined;
  const startCounts = fast.map((r) => r.count);
  const startStills = (await hubStats()).stills;
  const cpu0 = { server: cpuSeconds(serverPid), camerad: cameradPid ? cpuSeconds(cameradPid) : 0 };
  const t0 = performance.now();
  let maxQueued = 0;
  let maxRss = rssMb(serverPid);
  let lastLog = t0;
  while (performance.now() - t0 < pauseS * 1000) {
    await sleep(500);
    const s = pausedOf(await hubStats());
    maxQueued = Math.max(maxQueued, s.queued, s.maxQueued);
    maxRss = Math.max(maxRss, rssMb(serverPid));
    if (performance.now() - lastLog >= 5000) {
      lastLog = performance.now();
      progress(
        BENCH,
        `${Math.round((lastLog - t0) / 1000)} s: paused client queued ${s.queued} (max ${maxQueued}), dropped ${s.dropped}, ` +
          `server RSS ${round(rssMb(serverPid))} MB`,
      );
    }
  }
  const windowS = (performance.now() - t0) / 1000;
  const endHub = await hubStats();
  const endPaused = pausedOf(endHub);
  const cpu1 = { server: cpuSeconds(serverPid), camerad: cameradPid ? cpuSeconds(cameradPid) : 0 };
  result.rss_end_mb = round(rssMb(serverPid));
  result.rss_max_mb = round(Math.max(maxRss, rssMb(serverPid)));
  const perClient = fast.map((r, i) => (r.count - startCounts[i]!) / windowS);
  result.window_s = round(windowS);
  result.fast_client_fps = round(perClient.reduce((a, b) => a + b, 0) / perClient.length, 2);
  result.fast_client_fps_min = round(Math.min(...perClient), 2);
  result.fast_client_fps_median = round(median(perClient), 2);
  result.source_stills_fps = round((endHub.stills - startStills) / windowS, 2);
  result.paused_client_max_queued = Math.max(maxQueued, endPaused.maxQueued);
  result.paused_client_dropped = endPaused.dropped;
  result.paused_client_sent = endPaused.sent;
  result.server_cpu_pct = round(((cpu1.server - cpu0.server) / windowS) * 100);
  result.camerad_cpu_pct = cameradPid ? round(((cpu1.camerad - cpu0.camerad) / windowS) * 100) : null;

  // The paused client reads again: whole parts, the stream goes on.
  const before = paused.count;
  paused.resume();
  const resumeDeadline = Date.now() + 15_000;
  while (paused.count < before + 5 && Date.now() < resumeDeadline) await sleep(100);
  result.paused_client_parts_after_resume = paused.count - before;
  const framingErrors = readers.flatMap((r) => r.errors);
  if (framingErrors.length > 0) throw new Error(`malformed parts: ${framingErrors.slice(0, 5).join('; ')}`);
  if (paused.count < before + 5) throw new Error('the paused client received nothing after it read again');

  result.goals = {
    queue_within_bound: result.paused_client_max_queued <= queue,
    paused_client_drops_rise: endPaused.dropped > 0,
    rss_within_50_mb: result.rss_max_mb! - result.rss_start_mb! <= GOAL_RSS_GROWTH_MB,
    fast_clients_at_least_0_9_fps: result.fast_client_fps_min! >= GOAL_FPS_RATIO * fps,
  };
} catch (error) {
  result.error = (error as Error).message;
  progress(BENCH, `failed: ${result.error}`);
} finally {
  for (const reader of readers) reader.close();
  await server?.stop();
}

printTable(
  [
    'clients',
    'fps conf',
    'fps fast mean',
    'min',
    'median',
    'stills/s',
    'paused max queue',
    'dropped',
    'RSS start',
    'end',
    'max',
    'server CPU %',
    'camerad CPU %',
  ],
  [
    [
      result.clients,
      result.configured_fps,
      result.fast_client_fps,
      result.fast_client_fps_min,
      result.fast_client_fps_median,
      result.source_stills_fps,
      result.paused_client_max_queued === null ? null : `${result.paused_client_max_queued}/${queue}`,
      result.paused_client_dropped,
      result.rss_start_mb,
      result.rss_end_mb,
      result.rss_max_mb,
      result.server_cpu_pct,
      result.camerad_cpu_pct,
    ],
  ],
);
const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'ok' : 'MISSED');
process.stdout.write(
  `paused client (${pauseS} s): queue ≤ ${queue} ${verdict(result.goals.queue_within_bound)}, ` +
    `drops rise ${verdict(result.goals.paused_client_drops_rise)}; ` +
    `server RSS growth ≤ ${GOAL_RSS_GROWTH_MB} MB ${verdict(result.goals.rss_within_50_mb)}; ` +
    `reading clients ≥ ${GOAL_FPS_RATIO} × ${fps} fps ${verdict(result.goals.fast_clients_at_least_0_9_fps)}` +
    (result.error ? `; error: ${result.error}` : '') +
    '\n',
);
printJsonLine({
  clients: result.clients,
  rss_start_mb: result.rss_start_mb,
  rss_end_mb: result.rss_end_mb,
  fast_client_fps: result.fast_client_fps,
  bench: 'mjpeg',
  git: gitRevision(root),
  machine: machineInfo(),
  picture: { width, height, quality },
  ...Object.fromEntries(
    Object.entries(result).filter(([k]) => !['clients', 'rss_start_mb', 'rss_end_mb', 'fast_client_fps'].includes(k)),
  ),
});
process.exitCode = result.error || Object.values(result.goals).some((g) => g !== true) ? 1 : 0;
