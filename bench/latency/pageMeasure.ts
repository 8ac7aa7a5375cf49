import type { Browser, Page } from 'playwright-core';
import { CpuWindow } from '../lib/CpuWindow.js';
import { type HostCpu, HostCpuWindow } from '../lib/HostCpuWindow.js';
import { mean, max, median, percentile, round } from '../lib/stats.js';

/**
 * Measurements made through web/latency.html (`window.__latency`, web/src/latencyPage.ts) in
 * headless Chromium: steady-state glass-to-glass latency from the probe strip of every presented
 * frame, Chromium's receive-side stats, and first-frame times of viewers joining at random points
 * of the GOP.
 */

/** What the bench reads of `window.__latency` (web/src/latencyPage.ts `LatencyHandle`). */
interface LatencyHook {
  probe: {
    count: number;
    decodeFailures: number;
    framesPresented: number;
    firstFrameAt: number | null;
    samples(): { displayAt: number; latencyMs: number; receiveToDisplayMs: number | null }[];
  } | null;
  player: { state: string; reconnects: number; lastError: string | null; stop(): void } | null;
  pc: RTCPeerConnection | null;
  t0: number | null;
  /** The path playing (`webrtc` for bare WHEP; `websocket`, `mse`… with `?force=`). */
  path: string | null;
  error: string | null;
}

declare global {
  interface Window {
    /** Set by web/latency.html. */
    __latency: LatencyHook;
  }
}

/** Viewport of the page: the video is shown 1:1 at 720p (and the page is visible, not a hidden tab). */
export const VIEWPORT = { width: 1280, height: 720 };

/** The camera the latency benches measure: 720p30, x264 2500 kbit/s, IDR every 60 frames (2 s). */
export const LATENCY_CAMERA = {
  id: 'bench',
  width: 1280,
  height: 720,
  fps: 30,
  bitrateKbps: 2500,
  keyframeInterval: 60,
} as const;

/**
 * Receive-side fields read from the video's `inbound-rtp` stats (W3C webrtc-stats), cumulative
 * unless noted: frames, packets; `jitterBufferDelay`, `totalDecodeTime`, `totalProcessingDelay`
 * in s; `frameWidth`/`frameHeight` px and `framesPerSecond` (Chromium's estimate) current values.
 */
const INBOUND_KEYS = [
  'framesDecoded',
  'framesDropped',
  'framesReceived',
  'jitterBufferDelay',
  'jitterBufferEmittedCount',
  'totalDecodeTime',
  'totalProcessingDelay',
  'packetsLost',
  'nackCount',
  'pliCount',
  'freezeCount',
  'frameWidth',
  'frameHeight',
  'framesPerSecond',
] as const;

/** `INBOUND_KEYS` → value, null where the browser does not report it. */
type InboundCounters = Record<(typeof INBOUND_KEYS)[number], number | null>;

/** One reading of the page. */
interface PageReading {
  /** `performance.now()` in the page, ms. */
  now: number;
  visibility: DocumentVisibilityState;
  videoWidth: number;
  videoHeight: number;
  count: number;
  decodeFailures: number;
  framesPresented: number;
  firstFrameAt: number | null;
  t0: number | null;
  playerState: string;
  /** The path playing (latency.html `path`). */
  path: string | null;
  reconnects: number;
  lastError: string | null;
  pageError: string | null;
  inbound: InboundCounters | null;
  /** Latencies (ms) of samples displayed after `since`, oldest first. */
  latencies: number[];
  /** Receive → display (ms) of the same samples, where the browser reported it. */
  receiveToDisplay: number[];
}

/** Steady-state result of one phase. */
export interface SteadyResult {
  /** Glass-to-glass latency over the measured window, ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  meanMs: number | null;
  maxMs: number | null;
  minMs: number | null;
  /** Frames with a decoded probe in the window. */
  samples: number;
  /** Frames presented by the video in the window. */
  frames: number;
  /** The path measured (`webrtc`, `websocket`, `mse`). */
  path: string | null;
  /** Frames tried whose probe strip did not decode, in the window. */
  decodeFailures: number;
  width: number | null;
  height: number | null;
  /** Decoded frames/s over the window (from framesDecoded). */
  fps: number | null;
  /** Jitter buffer delay per emitted frame over the window, ms (Δ jitterBufferDelay / Δ jitterBufferEmittedCount). */
  jitterBufferMs: number | null;
  /** Decode time per decoded frame over the window, ms (Δ totalDecodeTime / Δ framesDecoded). */
  decodeMs: number | null;
  /** Receive → decoded per frame over the window, ms (Δ totalProcessingDelay / Δ framesDecoded). */
  processingMs: number | null;
  /** Median of last packet received → expected display (rVFC receiveTime), ms. */
  receiveToDisplayMs: number | null;
  /** Median capture → last packet received (latency − receive→display, per frame), ms. */
  captureToReceiveMs: number | null;
  framesDropped: number | null;
  packetsLost: number | null;
  nacks: number | null;
  plis: number | null;
  freezes: number | null;
  reconnects: number;
  /** CPU of each measured process over the window, % of one core; null when it restarted meanwhile. */
  cpu: Record<string, number | null>;
  /** The whole machine over the window. */
  host: HostCpu;
}

/** One viewer joining. */
export interface JoinResult {
  /** Random wait before this join (its phase in the GOP is random), ms. */
  offsetMs: number;
  /** WHEP POST (`t0`) → first presented frame, ms. */
  fromPostMs: number;
  /** Navigation start → first presented frame, ms. */
  fromNavigationMs: number;
  /** Latency of the first frame whose probe decoded, ms; null when none within 3 s. */
  firstLatencyMs: number | null;
  /**
   * WHEP POST → first frame whose latency is under `JoinOptions.liveLatencyMs`, ms: when the
   * viewer is live, after any replayed (cached, older) frames; null when not within a GOP + 2 s.
   */
  liveFromPostMs: number | null;
  /** Keyframes the server was asked for during the join (server phase only). */
  keyframeRequests: number | null;
}

/** Options of `measureSteady`. */
export interface SteadyOptions {
  /** Time after the first decoded probe before measuring, ms. */
  warmupMs: number;
  /** Length of the measured window, ms. */
  durationMs: number;
  /** Longest wait for the first presented frame, ms. */
  firstFrameTimeoutMs: number;
  /** Longest wait, after the first frame, for the first decoded probe, ms. */
  probeTimeoutMs: number;
  /** Processes whose CPU use is reported, label → pid (threads counted, children not). */
  cpuPids: () => Promise<Record<string, number | null>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A CPU window on `pid`, or null when there is no such process. */
function cpuWindow(pid: number | null): CpuWindow | null {
  if (pid === null) return null;
  try {
    return new CpuWindow([pid]);
  } catch {
    return null; // not running (camerad between restarts): its CPU is reported as unknown
  }
}

/** The window's CPU, % of one core rounded; null when unknown or the process exited meanwhile. */
function cpuPct(w: CpuWindow | null): number | null {
  if (!w) return null;
  try {
    return round(w.pct());
  } catch {
    return null; // exited during the window: its last CPU time is gone with it
  }
}

/** Reads `window.__latency` and the inbound-rtp stats; samples displayed after `since` (page ms). */
async function read(page: Page, since: number): Promise<PageReading> {
  return page.evaluate(
    async ([since, keys]) => {
      const h = window.__latency;
      const probe = h?.probe ?? null;
      const player = h?.player ?? null;
      const video = document.getElementById('video') as HTMLVideoElement | null;
      // The WebCodecs path draws on the canvas instead.
      const canvas = document.getElementById('canvas') as HTMLCanvasElement | null;
      const onCanvas = canvas !== null && !canvas.hidden;
      let inbound: InboundCounters | null = null;
      const pc = h?.pc ?? null;
      if (pc) {
        for (const s of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
          if (s.type !== 'inbound-rtp' || (s.kind ?? s.mediaType) !== 'video') continue;
          // No helper functions in here: tsx would wrap them in __name(), unknown in the page.
          const values: Record<string, number | null> = {};
          for (const k of keys) values[k] = typeof s[k] === 'number' ? (s[k] as number) : null;
          inbound = values as InboundCounters;
        }
      }
      const samples = probe ? probe.samples().filter((x) => x.displayAt >= since) : [];
      return {
        now: performance.now(),
        visibility: document.visibilityState,
        videoWidth: onCanvas ? canvas.width : (video?.videoWidth ?? 0),
        videoHeight: onCanvas ? canvas.height : (video?.videoHeight ?? 0),
        count: probe?.count ?? 0,
        decodeFailures: probe?.decodeFailures ?? 0,
        framesPresented: probe?.framesPresented ?? 0,
        firstFrameAt: probe?.firstFrameAt ?? null,
        t0: h?.t0 ?? null,
        playerState: player?.state ?? 'none',
        path: h?.path ?? null,
        reconnects: player?.reconnects ?? 0,
        lastError: player?.lastError ?? null,
        pageError: h?.error ?? null,
        inbound,
        latencies: samples.map((x) => x.latencyMs),
        receiveToDisplay: samples.flatMap((x) => (x.receiveToDisplayMs === null ? [] : [x.receiveToDisplayMs])),
      };
    },
    [since, INBOUND_KEYS] as const,
  );
}

/** Polls the page until `done(reading)` or `timeoutMs`; throws `what` with the last reading. */
async function waitPage(
  page: Page,
  done: (r: PageReading) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PageReading> {
  const deadline = Date.now() + timeoutMs;
  let last: PageReading | null = null;
  while (Date.now() < deadline) {
    last = await read(page, Number.POSITIVE_INFINITY);
    if (last.pageError) throw new Error(`latency page: ${last.pageError}`);
    if (done(last)) return last;
    await sleep(100);
  }
  const l = last;
  throw new Error(
    `${what} within ${timeoutMs / 1000} s (player ${l?.playerState}${l?.path ? ` via ${l.path}` : ''}` +
      `${l?.lastError ? `: ${l.lastError}` : ''}, ` +
      `frames shown ${l?.framesPresented ?? 0}, probes decoded ${l?.count ?? 0}, failed ${l?.decodeFailures ?? 0}, ` +
      `video ${l?.videoWidth ?? 0}x${l?.videoHeight ?? 0})`,
  );
}

/** Stops the page's player (WHEP DELETE, so the server drops the viewer now) and closes its context. */
async function closePage(page: Page): Promise<void> {
  try {
    await page.evaluate(() => window.__latency?.player?.stop());
    await sleep(100); // let the DELETE leave before the page goes
  } finally {
    await page.context().close();
  }
}

/**
 * Opens `url` (latency.html) in a fresh visible page, waits for the first frame and the first
 * decoded probe, warms up, then measures for `durationMs`.
 */
export async function measureSteady(browser: Browser, url: string, o: SteadyOptions): Promise<SteadyResult> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  try {
    await page.goto(url);
    await waitPage(page, (r) => r.firstFrameAt !== null, o.firstFrameTimeoutMs, 'no frame presented');
    await waitPage(page, (r) => r.count > 0, o.probeTimeoutMs, 'probe never decoded');
    await sleep(o.warmupMs);
    const before = await read(page, Number.POSITIVE_INFINITY);
    if (before.visibility !== 'visible') throw new Error(`the page is ${before.visibility}: no frame callbacks`);
    const cpu = Object.entries(await o.cpuPids()).map(([label, pid]) => [label, cpuWindow(pid)] as const);
    const host = new HostCpuWindow();
    await sleep(o.durationMs);
    const after = await read(page, before.now);
    const hostReport = host.finish();
    const cpuReport = Object.fromEntries(cpu.map(([label, w]) => [label, cpuPct(w)]));
    const seconds = (after.now - before.now) / 1000;
    const a = after.inbound;
    const b = before.inbound;
    const per = (num: number | null, den: number): number | null =>
      num === null || den <= 0 ? null : round((num / den) * 1000, 2);
    const d = (k: keyof InboundCounters): number | null => {
      const x = a?.[k];
      const y = b?.[k];
      return typeof x === 'number' && typeof y === 'number' ? x - y : null;
    };
    const decoded = d('framesDecoded') ?? 0;
    const rtd = median(after.receiveToDisplay);
    const perFrameNetwork = after.latencies.length === after.receiveToDisplay.length;
    return {
      p50Ms: round(percentile(after.latencies, 50)),
      p95Ms: round(percentile(after.latencies, 95)),
      meanMs: round(mean(after.latencies)),
      maxMs: round(max(after.latencies)),
      minMs: round(after.latencies.length ? Math.min(...after.latencies) : null),
      samples: after.latencies.length,
      frames: after.framesPresented - before.framesPresented,
      path: after.path,
      decodeFailures: after.decodeFailures - before.decodeFailures,
      width: a?.frameWidth ?? (after.videoWidth || null),
      height: a?.frameHeight ?? (after.videoHeight || null),
      // WebRTC: frames decoded (inbound-rtp); other paths: frames presented.
      fps: round((a ? decoded : after.framesPresented - before.framesPresented) / seconds, 2),
      jitterBufferMs: per(d('jitterBufferDelay'), d('jitterBufferEmittedCount') ?? 0),
      decodeMs: per(d('totalDecodeTime'), decoded),
      processingMs: per(d('totalProcessingDelay'), decoded),
      receiveToDisplayMs: round(rtd),
      captureToReceiveMs: perFrameNetwork
        ? round(median(after.latencies.map((l, i) => l - after.receiveToDisplay[i]!)))
        : null,
      framesDropped: d('framesDropped'),
      packetsLost: d('packetsLost'),
      nacks: d('nackCount'),
      plis: d('pliCount'),
      freezes: d('freezeCount'),
      reconnects: after.reconnects,
      cpu: cpuReport,
      host: hostReport,
    };
  } finally {
    await closePage(page);
  }
}

/** Options of `measureJoins`. */
export interface JoinOptions {
  /** Number of joins. */
  joins: number;
  /** GOP length, ms: each join waits a random 0…gopMs first, so it lands at a random point of the GOP. */
  gopMs: number;
  /** Longest wait for the first presented frame, ms. */
  firstFrameTimeoutMs: number;
  /** Latency under which a frame counts as live (not a replayed older frame), ms. */
  liveLatencyMs: number;
  /** Reads the server's keyframe request counter (server phase), or null. */
  keyframeRequests: (() => Promise<number | null>) | null;
  /** Called after each join with its result (progress). */
  onJoin?: (index: number, join: JoinResult) => void;
}

/**
 * Polls the page until a frame with latency under `limitMs` was shown or `timeoutMs` passed.
 * Returns the latency of the first decoded frame and when (page ms) the first live one was due
 * on screen; nulls for what did not happen (frames without a decodable probe are not failures).
 */
async function waitLive(
  page: Page,
  limitMs: number,
  timeoutMs: number,
): Promise<{ firstLatencyMs: number | null; liveAt: number | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await page.evaluate((limit) => {
      const samples = window.__latency.probe?.samples() ?? [];
      const live = samples.find((x) => x.latencyMs < limit);
      return { firstLatencyMs: samples[0]?.latencyMs ?? null, liveAt: live?.displayAt ?? null };
    }, limitMs);
    if (r.liveAt !== null || Date.now() > deadline) return r;
    await sleep(100);
  }
}

/**
 * `joins` times: waits a random part of a GOP, opens latency.html in a fresh browser context
 * (no cache, like a new viewer), and times the first presented frame from the WHEP POST and from
 * navigation start; then leaves (WHEP DELETE). One viewer at a time.
 */
export async function measureJoins(browser: Browser, url: string, o: JoinOptions): Promise<JoinResult[]> {
  const results: JoinResult[] = [];
  for (let i = 0; i < o.joins; i++) {
    const offsetMs = Math.round(Math.random() * o.gopMs);
    await sleep(offsetMs);
    const kfBefore = o.keyframeRequests ? await o.keyframeRequests() : null;
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    try {
      await page.goto(url);
      const r = await waitPage(page, (x) => x.firstFrameAt !== null, o.firstFrameTimeoutMs, 'no frame presented');
      if (r.t0 === null || r.firstFrameAt === null) throw new Error('latency page reported no WHEP POST time');
      const live = await waitLive(page, o.liveLatencyMs, o.gopMs + 2000);
      const kfAfter = o.keyframeRequests ? await o.keyframeRequests() : null;
      const join: JoinResult = {
        offsetMs,
        fromPostMs: round(r.firstFrameAt - r.t0)!,
        fromNavigationMs: round(r.firstFrameAt)!,
        firstLatencyMs: round(live.firstLatencyMs),
        liveFromPostMs: live.liveAt === null ? null : round(live.liveAt - r.t0),
        keyframeRequests: kfBefore !== null && kfAfter !== null ? kfAfter - kfBefore : null,
      };
      results.push(join);
      o.onJoin?.(i, join);
    } finally {
      await closePage(page);
    }
  }
  return results;
}
