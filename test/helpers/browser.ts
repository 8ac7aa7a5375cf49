import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, made unable to reach anything but 127.0.0.1: no background
 * networking, component updates or sync; every host name except 127.0.0.1 resolves to nothing;
 * no mDNS host candidates (which would send multicast). Flags from ../shared/design/MEDIA-NOTES.md.
 * playwright gives every launch a fresh temporary profile (the `--user-data-dir` of the notes).
 * @param extraArgs more switches, after these (a repeated switch's last value wins, e.g. another
 *   `--host-resolver-rules`).
 */
export async function launchChromium(
  extraArgs: string[] = [],
): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
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
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      ...extraArgs,
    ],
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

/** Draws the video's current frame on a canvas and measures it. */
export async function grabFrame(page: Page, cameraId: string): Promise<FrameGrab> {
  return page.evaluate((id) => {
    const video = document.getElementById(`video-${id}`) as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
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
    sctx.drawImage(video, 0, 0, 32, 18);
    const thumb = Array.from(sctx.getImageData(0, 0, 32, 18).data);
    return { mean, std, thumb };
  }, cameraId);
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
