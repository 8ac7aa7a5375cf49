import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The flags every test Chromium runs with: headless use as root, and unable to reach anything but
 * 127.0.0.1: no background networking, component updates or sync; no mDNS host candidates
 * (which would send multicast). Flags from ../shared/design/MEDIA-NOTES.md. The host resolver
 * rules (every host but 127.0.0.1 resolves to nothing, IP literals included) are added by
 * {@link launchChromium}.
 */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--metrics-recording-only',
  '--no-pings',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns,OptimizationHints,MediaRouter,Translate',
];

/** Chromium's host resolver rules: every host (IP literals included) fails except 127.0.0.1 and `allow`. */
function hostResolverRules(allow: readonly string[]): string {
  return `--host-resolver-rules=${['MAP * ~NOTFOUND', ...['127.0.0.1', ...allow].map((h) => `EXCLUDE ${h}`)].join(' , ')}`;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /**
   * Program playwright starts; default `CHROMIUM_PATH` or /usr/bin/chromium. TestNetwork passes a
   * wrapper script that execs Chromium inside a network namespace.
   */
  executablePath?: string;
  /** Flags added after {@link chromiumArgs}, e.g. `--disable-features=…` of a test. */
  extraArgs?: string[];
  /**
   * Hosts (Chromium's `EXCLUDE` patterns, e.g. `198.18.*`) reachable besides 127.0.0.1; the
   * resolver rules apply to IP literals too. TestNetwork adds its 198.18.0.0/15 range.
   */
  allowHosts?: string[];
}

/**
 * Debian's Chromium, headless, with {@link chromiumArgs} and resolver rules that let it reach only
 * 127.0.0.1 and `options.allowHosts`. playwright gives every launch a fresh
 * temporary profile (the `--user-data-dir` of the notes).
 */
export async function launchChromium(
  options: LaunchOptions = {},
): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...chromiumArgs, hostResolverRules(options.allowHosts ?? []), ...(options.extraArgs ?? [])],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

/** Playback counters of one `<video>` element. */
export interface VideoState {
  width: number;
  height: number;
  total: number;
  dropped: number;
  state: string;
  reconnects: number;
}

/** Reads a camera player's video size, decoded/dropped frames and WHEP player state. */
export async function videoState(page: Page, cameraId: string): Promise<VideoState> {
  return page.evaluate((id) => {
    const video = document.getElementById(`video-${id}`) as HTMLVideoElement | null;
    const player = (
      window as unknown as { __viewer?: { players: Map<string, { state: string; reconnects: number }> } }
    ).__viewer?.players.get(id);
    const q = video?.getVideoPlaybackQuality();
    return {
      width: video?.videoWidth ?? 0,
      height: video?.videoHeight ?? 0,
      total: q?.totalVideoFrames ?? 0,
      dropped: q?.droppedVideoFrames ?? 0,
      state: player?.state ?? 'none',
      reconnects: player?.reconnects ?? 0,
    };
  }, cameraId);
}

/** Per-channel mean and standard deviation of the current frame, and a 32×18 thumbnail. */
export interface FrameGrab {
  mean: [number, number, number];
  std: [number, number, number];
  thumb: number[];
}

/**
 * Measures the picture of the element that plays (draws it on a canvas) (the visible video, canvas or img of the
 * `<edge-camera>` shadow root, or of the viewer page's camera tile): per-channel mean and
 * standard deviation, and a 32×18 thumbnail.
 */
export async function grabFrame(page: Page, cameraId?: string): Promise<FrameGrab> {
  return page.evaluate((id) => {
    const root: ParentNode | null = id ? document : (document.querySelector('edge-camera')?.shadowRoot ?? null);
    const sel = id ? `#video-${id}, #canvas-${id}, #img-${id}` : 'video, canvas, img';
    const el = [...(root?.querySelectorAll<HTMLVideoElement | HTMLCanvasElement | HTMLImageElement>(sel) ?? [])].find(
      (e) => !e.hidden,
    );
    if (!el) throw new Error('no visible player element');
    const w =
      el instanceof HTMLVideoElement ? el.videoWidth : el instanceof HTMLImageElement ? el.naturalWidth : el.width;
    const h =
      el instanceof HTMLVideoElement ? el.videoHeight : el instanceof HTMLImageElement ? el.naturalHeight : el.height;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(el, 0, 0);
    const data = ctx.getImageData(0, 0, w, h).data;
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        sum[c]! += data[i + c]!;
        sq[c]! += data[i + c]! * data[i + c]!;
      }
    }
    const mean = sum.map((s) => s / n) as [number, number, number];
    const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! * mean[c]!))) as [number, number, number];
    const small = document.createElement('canvas');
    small.width = 32;
    small.height = 18;
    const sctx = small.getContext('2d', { willReadFrequently: true })!;
    sctx.drawImage(el, 0, 0, 32, 18);
    return { mean, std, thumb: Array.from(sctx.getImageData(0, 0, 32, 18).data) };
  }, cameraId ?? null);
}

/** Mean absolute difference between two thumbnails (0–255). */
export function thumbDiff(a: FrameGrab, b: FrameGrab): number {
  let d = 0;
  for (let i = 0; i < a.thumb.length; i++) d += Math.abs(a.thumb[i]! - b.thumb[i]!);
  return d / a.thumb.length;
}

/** Polls `fn` every 250 ms until `predicate` holds; a hang guard, not a speed bound. */
export async function pollUntil<T>(
  fn: () => Promise<T>,
  predicate: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (predicate(last)) return last;
    } catch {
      // the thing polled is not up yet (server starting, page navigating): poll again
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/**
 * RGB of each point `[x, y]` (video px, rounded) of the current frame of the viewer page's
 * `<video id="video-<cameraId>">`, read by drawing it on a canvas in the page.
 */
export function videoPixels(page: Page, cameraId: string, points: readonly [number, number][]): Promise<number[][]> {
  return page.evaluate(
    ([id, pts]) => {
      const video = document.getElementById(`video-${id}`) as HTMLVideoElement;
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(video, 0, 0);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return pts.map(([x, y]) => {
        const i = (Math.round(y) * canvas.width + Math.round(x)) * 4;
        return [data[i]!, data[i + 1]!, data[i + 2]!];
      });
    },
    [cameraId, points] as const,
  );
}
