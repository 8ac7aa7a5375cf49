/**
 * `npm run bench:latency`: glass-to-glass latency and time to first frame of the real server,
 * against a baseline measured in the same run (see bench/latency/README.md).
 *
 * Phases (`--phases`, default all, in this order):
 * - `test`: the server (`node --import tsx server/main.ts`) with one camera `test://ball`,
 *   1280×720, 30 fps, x264 2500 kbit/s, IDR every 60 frames, latency probe on; measured over
 *   WebRTC, then (same server, same run) over the WebSocket video path with WebCodecs
 *   (latency.html `?force=websocket`, keys `ws_*`; `--no-ws` skips it);
 * - `footage`: the same camera on the bundled sample footage (data/samples/Megamind.avi);
 * - `baseline`: bench/baseline/probe_sender.py → bench/baseline/bareRelay.ts, same settings.
 * Each phase plays web/latency.html in visible headless Chromium (1280×720 viewport): probe
 * latency of every presented frame for `--duration-s` after a 3 s warm-up, then `--joins` fresh
 * viewers joining at random points of the GOP.
 *
 * Output: progress on stderr; a summary table, then one JSON line (last line of stdout).
 * Exit 1 when a phase failed (its keys are null and `errors` says why), 2 on bad arguments.
 * Everything runs on 127.0.0.1; every child is stopped on exit and on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { SAMPLE_FOOTAGE, projectRoot } from '../../server/config/projectRoot.js';
import { launchChromium } from '../../test/helpers/browser.js';
import { installCleanup, onInterrupt } from '../../test/helpers/cleanup.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { printJsonLine, printTable, progress } from '../lib/report.js';
import { ensureWebBuilt } from '../lib/webDist.js';
import { median, round } from '../lib/stats.js';
import { BaselineRig } from '../lib/BaselineRig.js';
import { BenchServer } from '../lib/BenchServer.js';
import { type JoinResult, LATENCY_CAMERA, type SteadyResult, measureJoins, measureSteady } from './pageMeasure.js';

const BENCH = 'bench:latency';
const PHASES = ['test', 'footage', 'baseline'] as const;
type Phase = (typeof PHASES)[number];

/** The camera of every phase. */
const CAMERA = LATENCY_CAMERA;
/** Goals from the issue: p95 glass-to-glass under this, ms. */
const GOAL_P95_MS = 80;
/** Goals from the issue: first frame of a viewer joining mid-GOP under this, ms. */
const GOAL_FIRST_FRAME_MS = 800;
/** Goal of the WebSocket path (issue 13): its p95 at most this above WebRTC's, ms. */
const GOAL_WS_P95_OVER_WEBRTC_MS = 30;
/** Goal of the WebSocket path (issue 13): first frame of a joining viewer at most this, ms. */
const GOAL_WS_FIRST_FRAME_MS = 1000;
/**
 * A joining viewer is live from the first frame with a latency under this, ms: well above the
 * steady p95, well below frames replayed from a GOP cache (up to a GOP, 2 s, old).
 */
const LIVE_LATENCY_MS = 150;
/** Longest wait for a page's first presented frame, ms. */
const FIRST_FRAME_TIMEOUT_MS = 15_000;
/** Longest wait, after the first frame, for the first decoded probe, ms. */
const PROBE_TIMEOUT_MS = 10_000;

/** Everything measured in one phase. */
interface PhaseResult {
  steady: SteadyResult;
  joins: JoinResult[];
  /** Median of `joins[].fromPostMs`, ms. */
  firstFrameMs: number | null;
  /** Median of `joins[].fromNavigationMs`, ms. */
  firstFrameFromNavigationMs: number | null;
  /** What the server reported for the camera (server phases), e.g. the encoder. */
  encoder: string | null;
  /** The same camera over the WebSocket path (WebCodecs), test phase only; null when not run or failed. */
  ws?: PhaseResult | null;
  /** Why the WebSocket measurement failed. */
  wsError?: string;
}

function usage(message: string): never {
  process.stderr.write(
    `${BENCH}: ${message}\n` +
      'usage: npm run bench:latency -- [--duration-s 20] [--warmup-s 3] [--joins 5] ' +
      '[--phases test,footage,baseline] [--no-ws] [--verbose]\n',
  );
  process.exit(2);
}

function parseOptions(): {
  durationS: number;
  warmupS: number;
  joins: number;
  phases: Phase[];
  ws: boolean;
  verbose: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'duration-s': { type: 'string', default: '20' },
        'warmup-s': { type: 'string', default: '3' },
        joins: { type: 'string', default: '5' },
        phases: { type: 'string', default: PHASES.join(',') },
        verbose: { type: 'boolean', default: false },
        'no-ws': { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const durationS = Number(values['duration-s']);
  const warmupS = Number(values['warmup-s']);
  const joins = Number(values.joins);
  if (!(durationS > 0)) usage('--duration-s must be a positive number');
  if (!(warmupS >= 0)) usage('--warmup-s must be a number ≥ 0');
  if (!Number.isInteger(joins) || joins < 0) usage('--joins must be an integer ≥ 0');
  const phases = values.phases.split(',').map((p) => p.trim()) as Phase[];
  for (const p of phases) if (!PHASES.includes(p)) usage(`unknown phase "${p}" (known: ${PHASES.join(', ')})`);
  return { durationS, warmupS, joins, phases, ws: !values['no-ws'], verbose: values.verbose };
}

/** `?capacity=` for latency.html: room for every frame of warm-up + window, with margin. */
function capacity(o: { durationS: number; warmupS: number }): number {
  return Math.ceil((o.durationS + o.warmupS + 30) * CAMERA.fps * 2);
}

async function runPhase(
  phase: Phase,
  root: string,
  browser: Browser,
  o: ReturnType<typeof parseOptions>,
): Promise<PhaseResult> {
  const steadyOptions = {
    warmupMs: o.warmupS * 1000,
    durationMs: o.durationS * 1000,
    firstFrameTimeoutMs: FIRST_FRAME_TIMEOUT_MS,
    probeTimeoutMs: PROBE_TIMEOUT_MS,
  };
  const joinOptions = {
    joins: o.joins,
    gopMs: (CAMERA.keyframeInterval / CAMERA.fps) * 1000,
    firstFrameTimeoutMs: FIRST_FRAME_TIMEOUT_MS,
    liveLatencyMs: LIVE_LATENCY_MS,
    onJoin: (i: number, j: JoinResult) =>
      progress(
        BENCH,
        `${phase}: join ${i + 1}/${o.joins} after ${j.offsetMs} ms: first frame ${j.fromPostMs} ms after POST ` +
          `(${j.fromNavigationMs} ms after navigation), first latency ${j.firstLatencyMs ?? '–'} ms, ` +
          `live (< ${LIVE_LATENCY_MS} ms) ${j.liveFromPostMs ?? '–'} ms after POST` +
          (j.keyframeRequests === null ? '' : `, keyframe requests +${j.keyframeRequests}`),
      ),
  };
  const query = `capacity=${capacity(o)}`;
  const finish = (steady: SteadyResult, joins: JoinResult[], encoder: string | null): PhaseResult => ({
    steady,
    joins,
    firstFrameMs: round(median(joins.map((j) => j.fromPostMs))),
    firstFrameFromNavigationMs: round(median(joins.map((j) => j.fromNavigationMs))),
    encoder,
  });

  if (phase === 'baseline') {
    progress(BENCH, 'baseline: starting probe_sender.py → bareRelay.ts');
    const baseline = await BaselineRig.start({
      root,
      stream: { ...CAMERA, pattern: 'ball', probe: true },
      webRoot: 'web/dist',
      echo: o.verbose,
    });
    try {
      const url = `${baseline.url}/latency.html?whep=/whep&${query}`;
      progress(BENCH, `baseline: measuring ${o.durationS} s at ${url}`);
      const steady = await measureSteady(browser, url, {
        ...steadyOptions,
        cpuPids: async () => ({ relay: baseline.relay.pid, sender: baseline.sender.pid }),
      });
      logSteady(phase, steady);
      const joins = await measureJoins(browser, url, { ...joinOptions, keyframeRequests: null });
      return finish(steady, joins, 'x264enc');
    } finally {
      await baseline.stop();
    }
  }

  let source = 'test://ball';
  if (phase === 'footage') {
    const footage = join(root, SAMPLE_FOOTAGE);
    if (!existsSync(footage)) throw new Error(`${SAMPLE_FOOTAGE} missing: run bash scripts/setup.sh`);
    source = `file://${footage}`;
  }
  progress(BENCH, `${phase}: starting the server (camera ${source})`);
  // The camera draws the latency probe (docs/latency-probe.md).
  const server = await BenchServer.start({
    root,
    camera: { ...CAMERA, source, latencyProbe: true },
    echo: o.verbose,
    timeoutMs: 30_000,
  });
  try {
    const status = await server.camera();
    const url = `${server.url}/latency.html?whep=/whep/${CAMERA.id}&${query}`;
    progress(BENCH, `${phase}: encoder ${status?.encoder ?? '?'}; measuring ${o.durationS} s at ${url}`);
    const steady = await measureSteady(browser, url, {
      ...steadyOptions,
      cpuPids: async () => ({ server: server.process.pid, camerad: (await server.camera())?.pid ?? null }),
    });
    logSteady(phase, steady);
    const joins = await measureJoins(browser, url, {
      ...joinOptions,
      keyframeRequests: async () => (await server.camera())?.keyframe_requests ?? null,
    });
    const result = finish(steady, joins, status?.encoder ?? null);
    if (phase === 'test' && o.ws) {
      // The WebSocket video path of the same server, camera and run (WebCodecs on the canvas).
      const wsUrl = `${server.url}/latency.html?force=websocket&camera=${CAMERA.id}&${query}`;
      try {
        progress(BENCH, `${phase}/ws: measuring ${o.durationS} s at ${wsUrl}`);
        const wsSteady = await measureSteady(browser, wsUrl, {
          ...steadyOptions,
          cpuPids: async () => ({ server: server.process.pid, camerad: (await server.camera())?.pid ?? null }),
        });
        if (wsSteady.path !== 'websocket') throw new Error(`the page played ${wsSteady.path}, not websocket`);
        logSteady('test/ws', wsSteady);
        const wsJoins = await measureJoins(browser, wsUrl, {
          ...joinOptions,
          keyframeRequests: async () => (await server.camera())?.keyframe_requests ?? null,
        });
        result.ws = finish(wsSteady, wsJoins, status?.encoder ?? null);
      } catch (error) {
        result.ws = null;
        result.wsError = (error as Error).message;
        progress(BENCH, `${phase}/ws: FAILED: ${result.wsError}`);
      }
    }
    return result;
  } finally {
    await server.stop();
  }
}

function logSteady(phase: Phase | 'test/ws', s: SteadyResult): void {
  progress(
    BENCH,
    `${phase}: p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms over ${s.samples} frames ` +
      `(${s.decodeFailures} undecodable, ${s.fps} fps, ${s.width}x${s.height})`,
  );
}

/** Flat JSON keys of one phase, prefixed (`''` for the test phase, `footage_`, `baseline_`). */
function flat(prefix: string, r: PhaseResult | undefined): Record<string, unknown> {
  const s = r?.steady;
  return {
    [`${prefix}p50_ms`]: s?.p50Ms ?? null,
    [`${prefix}p95_ms`]: s?.p95Ms ?? null,
    [`${prefix}mean_ms`]: s?.meanMs ?? null,
    [`${prefix}max_ms`]: s?.maxMs ?? null,
    [`${prefix}frames`]: s?.frames ?? null,
    [`${prefix}samples`]: s?.samples ?? null,
    [`${prefix}decode_failures`]: s?.decodeFailures ?? null,
    [`${prefix}width`]: s?.width ?? null,
    [`${prefix}height`]: s?.height ?? null,
    [`${prefix}fps`]: s?.fps ?? null,
    [`${prefix}jitter_buffer_ms`]: s?.jitterBufferMs ?? null,
    [`${prefix}decode_ms`]: s?.decodeMs ?? null,
    [`${prefix}processing_ms`]: s?.processingMs ?? null,
    [`${prefix}capture_to_receive_ms`]: s?.captureToReceiveMs ?? null,
    [`${prefix}receive_to_display_ms`]: s?.receiveToDisplayMs ?? null,
    [`${prefix}frames_dropped`]: s?.framesDropped ?? null,
    [`${prefix}first_frame_ms`]: r?.firstFrameMs ?? null,
    [`${prefix}first_frame_all_ms`]: r?.joins.map((j) => j.fromPostMs) ?? null,
    [`${prefix}first_frame_from_navigation_ms`]: r?.firstFrameFromNavigationMs ?? null,
    [`${prefix}first_frame_latency_ms`]: round(median(r?.joins.flatMap((j) => j.firstLatencyMs ?? []) ?? [])),
    [`${prefix}first_live_frame_ms`]: round(median(r?.joins.flatMap((j) => j.liveFromPostMs ?? []) ?? [])),
  };
}

function summary(results: Partial<Record<Phase, PhaseResult>>): void {
  const rows = [
    ...PHASES.filter((p) => results[p]).map((p) => [p, results[p]!] as const),
    ...(results.test?.ws ? [['test/ws', results.test.ws] as const] : []),
  ].map(([p, r]) => {
    const s = r.steady;
    const cpu = Object.entries(s.cpu)
      .map(([k, v]) => `${k} ${v ?? '?'}%`)
      .join(', ');
    return [
      p,
      s.p50Ms,
      s.p95Ms,
      s.maxMs,
      s.samples,
      s.decodeFailures,
      s.fps,
      s.jitterBufferMs,
      s.decodeMs,
      s.captureToReceiveMs,
      r.firstFrameMs,
      r.firstFrameFromNavigationMs,
      `${cpu}; host ${s.host.busyPct}% of ${s.host.cores} (steal ${s.host.stealPct}%)`,
    ];
  });
  printTable(
    [
      'phase',
      'p50 ms',
      'p95 ms',
      'max ms',
      'frames',
      'undecoded',
      'fps',
      'jitbuf ms',
      'decode ms',
      'cap→recv ms',
      '1st frame ms',
      'from nav ms',
      'cpu (one core = 100%)',
    ],
    rows,
  );
}

async function main(): Promise<void> {
  const o = parseOptions();
  installCleanup();
  const root = projectRoot();
  ensureWebBuilt(root, BENCH);
  const machine = machineInfo();
  const git = gitRevision(root);
  progress(
    BENCH,
    `phases ${o.phases.join(', ')}; ${o.durationS} s each, ${o.joins} joins; ${machine.nproc} × ${machine.cpu_model}`,
  );

  const { browser, close } = await launchChromium();
  onInterrupt(close);
  const chromium = browser.version();
  const results: Partial<Record<Phase, PhaseResult>> = {};
  const errors: Partial<Record<Phase | 'ws', string>> = {};
  try {
    for (const phase of o.phases) {
      try {
        results[phase] = await runPhase(phase, root, browser, o);
      } catch (error) {
        errors[phase] = (error as Error).message;
        progress(BENCH, `${phase}: FAILED: ${(error as Error).message}`);
      }
    }
  } finally {
    await close();
  }

  summary(results);
  const test = results.test;
  const base = results.baseline;
  const p95 = test?.steady.p95Ms ?? null;
  const baseP95 = base?.steady.p95Ms ?? null;
  const ws = test?.ws ?? null;
  const wsP95 = ws?.steady.p95Ms ?? null;
  if (test?.wsError) errors.ws = test.wsError;
  const result = {
    ...flat('', test),
    baseline_p95_ms: baseP95,
    footage_p50_ms: results.footage?.steady.p50Ms ?? null,
    footage_p95_ms: results.footage?.steady.p95Ms ?? null,
    ...flat('footage_', results.footage),
    ...flat('baseline_', base),
    ratio_p95_vs_baseline: p95 !== null && baseP95 ? round(p95 / baseP95, 3) : null,
    ws_p50_ms: ws?.steady.p50Ms ?? null,
    ws_p95_ms: wsP95,
    ws_first_frame_ms: ws?.firstFrameMs ?? null,
    ...flat('ws_', ws ?? undefined),
    goals: {
      p95_under_80_ms: p95 === null ? null : p95 < GOAL_P95_MS,
      p95_not_worse_than_baseline: p95 === null || baseP95 === null ? null : p95 <= baseP95,
      first_frame_under_800_ms: test?.firstFrameMs == null ? null : test.firstFrameMs < GOAL_FIRST_FRAME_MS,
      ws_p95_within_30_ms_of_webrtc: wsP95 === null || p95 === null ? null : wsP95 <= p95 + GOAL_WS_P95_OVER_WEBRTC_MS,
      ws_first_frame_under_1000_ms: ws?.firstFrameMs == null ? null : ws.firstFrameMs <= GOAL_WS_FIRST_FRAME_MS,
    },
    encoder: test?.encoder ?? null,
    duration_s: o.durationS,
    joins: o.joins,
    phases: results,
    errors,
    chromium,
    git,
    cpu: machine.cpu_model,
    nproc: machine.nproc,
    node: process.version,
  };
  printJsonLine(result);
  process.exitCode = Object.keys(errors).length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`${BENCH}: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
