/**
 * `npm run bench:abuse`: floods at fixed offered rates while a legitimate viewer and a
 * legitimate user go on (issue 12, "What it must show" 3; bench/README.md `bench:abuse`).
 *
 * Starts a local SVM (litesvm behind JSON-RPC, test/helpers/svm) and the real server (child
 * process, camerad spawned by it; camera `test://smpte`; default limits, no viewer token, so
 * loopback clients watch as the quick start does). An attacker wallet signs in and checks in
 * (a check-in is a public, paid act anyone can make). Then, in the same run:
 * 1. baseline, `--baseline-s`: the legitimate viewer (a werift peer from 127.0.0.1 counting
 *    frames) watches and the legitimate user (127.0.0.1) signs in every `--signin-interval-s`;
 * 2. flood, `--flood-s`: the same, while four open-loop floods run, each from its own address:
 *    sign-in challenges for random wallets (127.0.0.2), captures with the attacker's checked-in
 *    session (127.0.0.3), WHEP offers (127.0.0.4), socket.io connections held open (127.0.0.5).
 * Measured: requests sent per kind, achieved rates and answers (429s and others), the viewer's
 * fps and the user's sign-in time during the flood vs the baseline, the server's RSS growth
 * (its maximum during the flood over its value just before) and the database's growth (SQLite
 * file, WAL included).
 *
 * Output: progress on stderr, a summary on stdout, then one JSON line (last line of stdout).
 * Goals (booleans in the JSON): viewer keeps ≥ 0.95 of its fps, every sign-in under 1 s, RSS
 * grows under 50 MB, the database under 1 MB. Exit 1 when a goal was missed or the run failed
 * (`error` says why), 2 on bad arguments.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import Database from 'better-sqlite3';
import bs58 from 'bs58';
import { io, type Socket } from 'socket.io-client';
import { RTCPeerConnection } from 'werift';
import { projectRoot } from '../../server/config/projectRoot.js';
import { DATABASE_FILE } from '../../server/wiring/createIdentity.js';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';
import { installCleanup } from '../../test/helpers/cleanup.js';
import { rawHttp } from '../../test/helpers/rawHttp.js';
import { SvmRpcServer } from '../../test/helpers/svm/SvmRpcServer.js';
import { BenchServer, type ServerEntry } from '../lib/BenchServer.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { cpuSeconds, rssMb } from '../lib/procCpu.js';
import { printJsonLine, printTable, progress } from '../lib/report.js';
import { median, round } from '../lib/stats.js';
import { AddressedWallet } from './AddressedWallet.js';
import { FrameCountingViewer } from './FrameCountingViewer.js';
import { type FloodReport, OfferedRateFlood } from './OfferedRateFlood.js';

const BENCH = 'bench:abuse';
/** Goals of issue 12. */
const GOAL_FPS_RATIO = 0.95;
const GOAL_SIGNIN_MS = 1000;
const GOAL_RSS_GROWTH_MB = 50;
const GOAL_DB_GROWTH_BYTES = 1024 * 1024;

/** Where each party's requests leave from (127.0.0.0/8 is all loopback on Linux). */
const ADDRESS = {
  legit: '127.0.0.1',
  challenge: '127.0.0.2',
  capture: '127.0.0.3',
  whep: '127.0.0.4',
  socket: '127.0.0.5',
};

function usage(message: string): never {
  process.stderr.write(
    `${BENCH}: ${message}\n` +
      'usage: npm run bench:abuse -- [--baseline-s 20] [--flood-s 30] [--challenge-rate 100] [--capture-rate 20] ' +
      '[--whep-rate 10] [--socket-rate 10] [--signin-interval-s 5] [--width 640] [--height 360] [--fps 30] ' +
      '[--server-entry tsx|dist] [--verbose]\n',
  );
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      'baseline-s': { type: 'string', default: '20' },
      'flood-s': { type: 'string', default: '30' },
      'challenge-rate': { type: 'string', default: '100' },
      'capture-rate': { type: 'string', default: '20' },
      'whep-rate': { type: 'string', default: '10' },
      'socket-rate': { type: 'string', default: '10' },
      'signin-interval-s': { type: 'string', default: '5' },
      width: { type: 'string', default: '640' },
      height: { type: 'string', default: '360' },
      fps: { type: 'string', default: '30' },
      'server-entry': { type: 'string', default: 'tsx' },
      verbose: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const args = parsed.values;
const baselineS = Number(args['baseline-s']);
const floodS = Number(args['flood-s']);
const rates = {
  challenge: Number(args['challenge-rate']),
  capture: Number(args['capture-rate']),
  whep: Number(args['whep-rate']),
  socket: Number(args['socket-rate']),
};
const signinIntervalS = Number(args['signin-interval-s']);
const width = Number(args.width);
const height = Number(args.height);
const fps = Number(args.fps);
const entry = args['server-entry'] as ServerEntry;
if (!(baselineS >= 5 && floodS >= 5)) usage('--baseline-s and --flood-s: ≥ 5');
for (const [kind, rate] of Object.entries(rates)) if (!(rate > 0 && rate <= 5000)) usage(`--${kind}-rate: 0..5000`);
// The user's sign-ins (2 requests each) stay within the default 30 sign-in requests per minute per address.
if (!(signinIntervalS >= 4)) usage('--signin-interval-s: ≥ 4');
if (!(width >= 64 && height >= 64 && width % 2 === 0 && height % 2 === 0)) usage('--width/--height: even, ≥ 64');
if (!(fps >= 1 && fps <= 60)) usage('--fps: 1..60');
if (entry !== 'tsx' && entry !== 'dist') usage('--server-entry must be tsx or dist');

/** `x` rounded to `digits` decimals. */
const num = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = projectRoot();
installCleanup();

/** What the legitimate parties saw over one window. */
interface WindowFigures {
  window_s: number;
  viewer_fps: number;
  /** Frames/s camerad encoded over the window (`GET /api/status`). */
  encoder_fps: number | null;
  signin_ms: number[];
  signin_statuses: number[];
  server_cpu_pct: number;
  rss_max_mb: number;
}

interface Result {
  baseline: WindowFigures | null;
  flood: WindowFigures | null;
  floods: FloodReport[];
  viewer_fps_ratio: number | null;
  signin_median_ms_before: number | null;
  signin_median_ms_during: number | null;
  signin_max_ms_during: number | null;
  rss_before_flood_mb: number | null;
  rss_max_during_flood_mb: number | null;
  rss_growth_mb: number | null;
  db_bytes_before_flood: number | null;
  db_bytes_after_flood: number | null;
  db_growth_bytes: number | null;
  /** Rows added per table during the flood (tables that did not change left out). */
  db_rows_added: Record<string, number> | null;
  /** Bytes of photos, recordings and other files written under the data folder during the flood. */
  media_growth_bytes: number | null;
  /** Flood WebRTC viewers and sockets the server still held at the end of the flood. */
  server_viewers_at_end: number | null;
  goals: {
    viewer_keeps_0_95_fps: boolean | null;
    signin_under_1_s: boolean | null;
    rss_growth_under_50_mb: boolean | null;
    db_growth_under_1_mb: boolean | null;
  };
  error: string | null;
}

const result: Result = {
  baseline: null,
  flood: null,
  floods: [],
  viewer_fps_ratio: null,
  signin_median_ms_before: null,
  signin_median_ms_during: null,
  signin_max_ms_during: null,
  rss_before_flood_mb: null,
  rss_max_during_flood_mb: null,
  rss_growth_mb: null,
  db_bytes_before_flood: null,
  db_bytes_after_flood: null,
  db_growth_bytes: null,
  db_rows_added: null,
  media_growth_bytes: null,
  server_viewers_at_end: null,
  goals: {
    viewer_keeps_0_95_fps: null,
    signin_under_1_s: null,
    rss_growth_under_50_mb: null,
    db_growth_under_1_mb: null,
  },
  error: null,
};

/**
 * The database as the server sees it: its size in pages (`page_count × page_size`, WAL content
 * included, read through a read-only connection, as SQLite lets a reader share a WAL database
 * with its writer) and its rows per table. The WAL file's own size is not the database's: it
 * grows by a page per written page until a checkpoint.
 */
function databaseFigures(dataDir: string): { bytes: number; rows: Record<string, number> } {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    const pragma = (name: string): number => db.pragma(name, { simple: true }) as number;
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    const rows = Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }).n,
      ]),
    );
    return { bytes: pragma('page_count') * pragma('page_size'), rows };
  } finally {
    db.close();
  }
}

/** Bytes of every file under `dir` but the database's (photos, recordings, keys). */
function otherFileBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return n + otherFileBytes(path);
    return entry.name.startsWith(DATABASE_FILE) ? n : n + statSync(path).size;
  }, 0);
}

/** An answer's outcome for the tally: the status, or a refusal message with its numbers blanked. */
const outcomeOf = (status: number): string => String(status);

const dataDir = mkdtempSync(join(tmpdir(), 'ecs-abuse-state-'));
let svm: SvmRpcServer | undefined;
let server: BenchServer | undefined;
let viewer: FrameCountingViewer | undefined;
const heldSockets: Socket[] = [];
const floods: OfferedRateFlood[] = [];
try {
  progress(BENCH, 'starting the local SVM and the server');
  svm = await SvmRpcServer.start();
  const attacker = Keypair.generate();
  svm.airdrop(attacker.publicKey, LAMPORTS_PER_SOL);
  server = await BenchServer.start({
    root,
    camera: { id: 'bench', source: 'test://smpte', width, height, fps, bitrateKbps: 1000 },
    entry,
    echo: args.verbose,
    env: {
      ECS_VISION__ENABLED: 'false',
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
    },
  });
  const srv = server;
  const pid = srv.process.pid;
  const whepUrl = `${srv.url}/whep/${srv.cameraId}`;

  // The attacker: a wallet signed in and checked in from the capture flood's address.
  const attackerWallet = new AddressedWallet(srv.url, ADDRESS.capture, attacker);
  const signedIn = await attackerWallet.signIn();
  if (!signedIn.token) throw new Error(`the attacker could not sign in: ${signedIn.status}`);
  await attackerWallet.checkIn(signedIn.token);
  const attackerToken = signedIn.token;
  progress(BENCH, 'attacker wallet checked in');

  // The legitimate viewer and user.
  viewer = new FrameCountingViewer();
  await viewer.connect(whepUrl);
  const legitViewer = viewer;
  const deadline = Date.now() + 20_000;
  while (legitViewer.frames < fps) {
    if (Date.now() > deadline) throw new Error(`the viewer received ${legitViewer.frames} frames in 20 s`);
    await sleep(100);
  }
  const user = new AddressedWallet(srv.url, ADDRESS.legit, Keypair.generate());

  // One real offer, reused by the WHEP flood (the server makes a viewer of each it admits).
  const offerPc = new RTCPeerConnection(loopbackClientPeerConfig());
  offerPc.addTransceiver('video', { direction: 'recvonly' });
  await offerPc.setLocalDescription(await offerPc.createOffer());
  await gatheringComplete(offerPc, 2000);
  const floodOffer = offerPc.localDescription!.sdp;
  await offerPc.close();

  /** One window: the viewer's frames, the user's sign-ins every interval, CPU and RSS. */
  const measure = async (seconds: number, label: string): Promise<WindowFigures> => {
    const cam0 = await srv.camera();
    const frames0 = legitViewer.frames;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    const signinMs: number[] = [];
    const signinStatuses: number[] = [];
    let rssMax = rssMb(pid);
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMb(pid));
    }, 500);
    try {
      let next = t0;
      while (performance.now() < end) {
        if (performance.now() >= next) {
          next += signinIntervalS * 1000;
          const s = await user.signIn();
          signinMs.push(num(s.ms, 1));
          signinStatuses.push(s.status);
          progress(
            BENCH,
            `${label}: sign-in ${s.status} in ${num(s.ms, 1)} ms; viewer ${legitViewer.frames - frames0} frames`,
          );
        }
        await sleep(Math.max(0, Math.min(250, end - performance.now())));
      }
    } finally {
      clearInterval(sampler);
    }
    const windowS = (performance.now() - t0) / 1000;
    const cam1 = await srv.camera();
    return {
      window_s: num(windowS, 2),
      viewer_fps: num((legitViewer.frames - frames0) / windowS, 2),
      encoder_fps: cam0 && cam1 ? (cam1.frames_out - cam0.frames_out) / windowS : null,
      signin_ms: signinMs,
      signin_statuses: signinStatuses,
      server_cpu_pct: num(((cpuSeconds(pid) - cpu0) / windowS) * 100),
      rss_max_mb: num(Math.max(rssMax, rssMb(pid))),
    };
  };

  progress(BENCH, `baseline: ${baselineS} s`);
  result.baseline = await measure(baselineS, 'baseline');
  if (result.baseline.encoder_fps !== null) result.baseline.encoder_fps = num(result.baseline.encoder_fps, 2);

  result.rss_before_flood_mb = num(rssMb(pid));
  const dbBefore = databaseFigures(dataDir);
  result.db_bytes_before_flood = dbBefore.bytes;
  const mediaBefore = otherFileBytes(dataDir);
  floods.push(
    new OfferedRateFlood({
      kind: 'signin_challenge',
      ratePerS: rates.challenge,
      send: async () =>
        outcomeOf(
          (
            await rawHttp(`${srv.url}/api/session/challenge`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ wallet: bs58.encode(crypto.getRandomValues(new Uint8Array(32))) }),
              localAddress: ADDRESS.challenge,
            })
          ).status,
        ),
    }),
    new OfferedRateFlood({
      kind: 'capture',
      ratePerS: rates.capture,
      send: async () =>
        outcomeOf(
          (
            await rawHttp(`${srv.url}/api/capture`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${attackerToken}` },
              body: '{}',
              localAddress: ADDRESS.capture,
            })
          ).status,
        ),
    }),
    new OfferedRateFlood({
      kind: 'whep_offer',
      ratePerS: rates.whep,
      send: async () =>
        outcomeOf(
          (
            await rawHttp(whepUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/sdp' },
              body: floodOffer,
              localAddress: ADDRESS.whep,
            })
          ).status,
        ),
    }),
    new OfferedRateFlood({
      kind: 'socket_connect',
      ratePerS: rates.socket,
      send: () =>
        new Promise<string>((resolve) => {
          // engine.io-client hands `localAddress` to the WebSocket in Node.
          const socket = io(srv.url, {
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
            timeout: 5000,
            localAddress: ADDRESS.socket,
          } as Parameters<typeof io>[1]);
          socket.once('connect', () => {
            heldSockets.push(socket); // held open, as an attacker would
            resolve('connected');
          });
          socket.once('connect_error', (error) => {
            socket.close();
            resolve(`refused: ${error.message.replace(/\d+/g, '#').slice(0, 60)}`);
          });
        }),
    }),
  );
  progress(
    BENCH,
    `flood: ${floodS} s at ${rates.challenge} challenges/s, ${rates.capture} captures/s, ${rates.whep} WHEP offers/s, ${rates.socket} sockets/s`,
  );
  for (const f of floods) f.start();
  result.flood = await measure(floodS, 'flood');
  if (result.flood.encoder_fps !== null) result.flood.encoder_fps = num(result.flood.encoder_fps, 2);
  await Promise.all(floods.map((f) => f.stop()));
  result.floods = floods.map((f) => f.report());
  result.server_viewers_at_end = (await srv.camera())?.viewers ?? null;
  const dbAfter = databaseFigures(dataDir);
  result.db_bytes_after_flood = dbAfter.bytes;
  result.db_rows_added = Object.fromEntries(
    Object.entries(dbAfter.rows)
      .map(([table, n]) => [table, n - (dbBefore.rows[table] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );
  result.media_growth_bytes = otherFileBytes(dataDir) - mediaBefore;

  const b = result.baseline;
  const d = result.flood;
  result.viewer_fps_ratio = b.viewer_fps > 0 ? num(d.viewer_fps / b.viewer_fps, 3) : null;
  result.signin_median_ms_before = b.signin_ms.length ? round(median(b.signin_ms), 1) : null;
  result.signin_median_ms_during = d.signin_ms.length ? round(median(d.signin_ms), 1) : null;
  result.signin_max_ms_during = d.signin_ms.length ? Math.max(...d.signin_ms) : null;
  result.rss_max_during_flood_mb = d.rss_max_mb;
  result.rss_growth_mb = num(d.rss_max_mb - result.rss_before_flood_mb);
  result.db_growth_bytes = result.db_bytes_after_flood - result.db_bytes_before_flood;
  result.goals = {
    viewer_keeps_0_95_fps: result.viewer_fps_ratio !== null && result.viewer_fps_ratio >= GOAL_FPS_RATIO,
    signin_under_1_s:
      d.signin_ms.length > 0 &&
      d.signin_statuses.every((s) => s === 200) &&
      d.signin_ms.every((ms) => ms < GOAL_SIGNIN_MS),
    rss_growth_under_50_mb: result.rss_growth_mb < GOAL_RSS_GROWTH_MB,
    db_growth_under_1_mb: result.db_growth_bytes < GOAL_DB_GROWTH_BYTES,
  };
} catch (error) {
  result.error = (error as Error).message;
  progress(BENCH, `failed: ${result.error}`);
} finally {
  await Promise.all(floods.map((f) => f.stop()));
  if (result.floods.length === 0) result.floods = floods.map((f) => f.report());
  for (const s of heldSockets) s.disconnect();
  await viewer?.close();
  await server?.stop();
  await svm?.close();
  rmSync(dataDir, { recursive: true, force: true });
}

printTable(
  ['flood', 'offered/s', 'sent', 'achieved/s', 'not sent', 'answers'],
  result.floods.map((f) => [
    f.kind,
    f.offered_per_s,
    f.sent,
    f.achieved_per_s,
    f.not_sent,
    Object.entries(f.outcomes)
      .map(([k, v]) => `${k}×${v}`)
      .join(' '),
  ]),
);
process.stdout.write('\n');
printTable(
  ['window', 's', 'viewer fps', 'encoder fps', 'sign-in ms (median)', 'max', 'server CPU %', 'RSS max MB'],
  (
    [
      ['baseline', result.baseline],
      ['flood', result.flood],
    ] as const
  ).map(([name, w]) => [
    name,
    w?.window_s ?? null,
    w?.viewer_fps ?? null,
    w?.encoder_fps ?? null,
    w && w.signin_ms.length ? round(median(w.signin_ms), 1) : null,
    w && w.signin_ms.length ? Math.max(...w.signin_ms) : null,
    w?.server_cpu_pct ?? null,
    w?.rss_max_mb ?? null,
  ]),
);
const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'ok' : 'MISSED');
process.stdout.write(
  `viewer fps ratio ${result.viewer_fps_ratio} (≥ ${GOAL_FPS_RATIO}) ${verdict(result.goals.viewer_keeps_0_95_fps)}; ` +
    `sign-in < ${GOAL_SIGNIN_MS} ms ${verdict(result.goals.signin_under_1_s)}; ` +
    `RSS growth ${result.rss_growth_mb} MB (< ${GOAL_RSS_GROWTH_MB}) ${verdict(result.goals.rss_growth_under_50_mb)}; ` +
    `database growth ${result.db_growth_bytes} B (< 1 MiB) ${verdict(result.goals.db_growth_under_1_mb)}` +
    (result.error ? `; error: ${result.error}` : '') +
    '\n',
);
printJsonLine({
  bench: 'abuse',
  git: gitRevision(root),
  machine: machineInfo(),
  stream: { width, height, fps, source: 'test://smpte' },
  addresses: ADDRESS,
  baseline_s: baselineS,
  flood_s: floodS,
  ...result,
});
process.exitCode = result.error || Object.values(result.goals).some((g) => g !== true) ? 1 : 0;
