import { Fmp4Fragmenter } from './Fmp4Fragmenter';
import { FrameProgress } from './FrameProgress';
import type { PathSession, PlayerSurface } from './PlayerTypes';
import { VideoSocket } from './VideoSocket';
import { showOnly } from './createSurface';
import type { WsAccessUnit, WsConfig } from './wsProtocol';

/** Bytes waiting to be appended beyond which access units are skipped up to the next keyframe. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** Buffered video ahead of the playhead (s) above which playback catches up at `CATCH_UP_RATE`. */
const CATCH_UP_LAG_S = 0.25;
/** Lag (s) above which the playhead jumps to the live edge (less `EDGE_MARGIN_S`). */
const SEEK_LAG_S = 1;
/** Where a jump lands, before the end of the buffered video, s. */
const EDGE_MARGIN_S = 0.1;
/** Playback rate while catching up. */
const CATCH_UP_RATE = 1.1;
/** Video kept behind the playhead, s; older is removed from the SourceBuffer. */
const KEEP_BEHIND_S = 6;
/** Nominal picture duration before two timestamps are known, µs (30 fps). */
const DEFAULT_DURATION_US = 33_333;

/** True where MSE can play H.264 of this codec string (`avc1.42e01f` for the baseline the server sends). */
export function mseAvailable(codec = 'avc1.42e01f'): boolean {
  return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(`video/mp4; codecs="${codec}"`);
}

type Append = { kind: 'append'; data: Uint8Array; offsetS: number | null } | { kind: 'remove'; end: number };

/**
 * The `mse` path, for browsers without WebCodecs (plain-HTTP LAN pages): access units from a
 * `VideoSocket` muxed into fragmented MP4 (`Fmp4Fragmenter`, one `moof`+`mdat` per picture, placed
 * with `timestampOffset`) and appended to a `SourceBuffer` of a `MediaSource` playing in the
 * `<video>`. Kept near the live edge: more than 0.25 s buffered ahead plays at 1.1×, more than
 * 1 s (or a gap) jumps to the edge; video more than 6 s behind the playhead is removed.
 *
 * Bounded: more than 4 MiB waiting to be appended skips access units up to the next keyframe.
 * Fails on a closed socket, a MediaSource/SourceBuffer error or no new frame for 4 s.
 */
export class MseSession implements PathSession {
  readonly path = 'mse' as const;
  onfirstframe: ((at: number) => void) | null = null;
  onfailure: ((reason: string) => void) | null = null;
  /** Access units not appended (queue over its bound, or waiting for a keyframe after a gap). */
  skipped = 0;
  /** Jumps to the live edge. */
  seeks = 0;

  private readonly socket: VideoSocket;
  private readonly fragmenter = new Fmp4Fragmenter();
  private readonly mediaSource = new MediaSource();
  private objectUrl: string | null = null;
  private buffer: SourceBuffer | null = null;
  private codec: string | null = null;
  private readonly pending: Append[] = [];
  private pendingBytes = 0;
  private needKeyframe = true;
  private firstTimestampUs: number | null = null;
  private lastTimestampUs: number | null = null;
  private durationUs = DEFAULT_DURATION_US;
  private closed = false;
  private stallTimer: number | undefined;
  private readonly progress = new FrameProgress();
  private firstFrameSeen = false;

  /**
   * @param url WebSocket URL (`videoSocketUrl`).
   * @param surface the video plays the MediaSource and is shown; canvas and img are hidden.
   */
  constructor(
    url: string,
    private readonly surface: PlayerSurface,
  ) {
    this.socket = new VideoSocket(url);
  }

  get bytesReceived(): number {
    return this.socket.bytesReceived;
  }

  get framesDecoded(): number {
    return this.firstFrameSeen ? (this.surface.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) : 0;
  }

  get width(): number {
    return this.surface.video.videoWidth;
  }

  get height(): number {
    return this.surface.video.videoHeight;
  }

  start(): void {
    const video = this.surface.video;
    video.srcObject = null;
    this.objectUrl = URL.createObjectURL(this.mediaSource);
    video.src = this.objectUrl;
    this.mediaSource.addEventListener('sourceopen', () => this.socket.open(), { once: true });
    this.socket.onconfig = (c) => this.configure(c);
    this.socket.onaccessunit = (au) => this.onAccessUnit(au);
    this.socket.onclose = (reason) => this.fail(reason);
    video.addEventListener('error', this.onVideoError);
    this.progress.reset(performance.now());
    this.stallTimer = window.setInterval(() => this.watch(), 1000);
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback((now) => this.firstFrame(now));
    } else {
      video.addEventListener('playing', () => this.firstFrame(performance.now()), { once: true });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    window.clearInterval(this.stallTimer);
    this.socket.close();
    const video = this.surface.video;
    video.removeEventListener('error', this.onVideoError);
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.buffer = null;
    if (this.objectUrl) {
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
    video.playbackRate = 1;
  }

  private readonly onVideoError = (): void => {
    const e = this.surface.video.error;
    this.fail(`video error: ${e?.message || `code ${e?.code ?? '?'}`}`);
  };

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.onfailure?.(reason);
  }

  private firstFrame(at: number): void {
    if (this.closed || this.firstFrameSeen) return;
    this.firstFrameSeen = true;
    showOnly(this.surface, 'video');
    this.onfirstframe?.(at);
  }

  private configure(config: WsConfig): void {
    if (this.closed) return;
    if (this.codec !== null && this.codec !== config.codec) {
      // A SourceBuffer keeps its codec family; a new profile/level needs changeType.
      this.buffer?.changeType?.(`video/mp4; codecs="${config.codec}"`);
    }
    if (!this.buffer) {
      const type = `video/mp4; codecs="${config.codec}"`;
      if (!MediaSource.isTypeSupported(type)) {
        this.fail(`MSE cannot play ${config.codec}`);
        return;
      }
      try {
        this.buffer = this.mediaSource.addSourceBuffer(type);
      } catch (err) {
        this.fail(`addSourceBuffer: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.buffer.mode = 'segments';
      this.buffer.addEventListener('updateend', () => {
        this.followEdge();
        this.pump();
      });
      this.buffer.addEventListener('error', () => this.fail('SourceBuffer error'));
    }
    this.codec = config.codec;
    this.fragmenter.configure(config);
    this.needKeyframe = true;
  }

  private onAccessUnit(au: WsAccessUnit): void {
    if (this.closed || !this.buffer || !this.fragmenter.configured) return;
    if (au.discontinuity && !au.keyframe) this.needKeyframe = true;
    if (!au.keyframe && this.pendingBytes > MAX_PENDING_BYTES) this.needKeyframe = true;
    if (this.needKeyframe && !au.keyframe) {
      this.skipped++;
      return;
    }
    this.needKeyframe = false;
    if (this.lastTimestampUs !== null && au.timestampUs > this.lastTimestampUs) {
      const delta = au.timestampUs - this.lastTimestampUs;
      if (!au.discontinuity && delta < 1_000_000) this.durationUs = delta;
    }
    this.lastTimestampUs = au.timestampUs;
    this.firstTimestampUs ??= au.timestampUs;
    const { init, media } = this.fragmenter.fragment(au.data, au.keyframe, this.durationUs);
    if (init) this.enqueue({ kind: 'append', data: init, offsetS: null });
    this.enqueue({ kind: 'append', data: media, offsetS: (au.timestampUs - this.firstTimestampUs) / 1e6 });
    this.pump();
  }

  private enqueue(op: Append): void {
    this.pending.push(op);
    if (op.kind === 'append') this.pendingBytes += op.data.length;
  }

  /** Hands the next queued operation to the SourceBuffer when it is idle. */
  private pump(): void {
    const sb = this.buffer;
    if (this.closed || !sb || sb.updating || this.mediaSource.readyState !== 'open') return;
    const op = this.pending.shift();
    if (!op) return;
    try {
      if (op.kind === 'remove') {
        sb.remove(0, op.end);
        return;
      }
      this.pendingBytes -= op.data.length;
      if (op.offsetS !== null) sb.timestampOffset = op.offsetS;
      sb.appendBuffer(op.data as Uint8Array<ArrayBuffer>);
    } catch (err) {
      this.fail(`SourceBuffer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Keeps the playhead near the newest buffered picture, and the buffer short. */
  private followEdge(): void {
    const video = this.surface.video;
    const ranges = video.buffered;
    if (this.closed || ranges.length === 0) return;
    const last = ranges.length - 1;
    const end = ranges.end(last);
    const t = video.currentTime;
    const lag = end - t;
    if (t < ranges.start(last) || lag > SEEK_LAG_S) {
      video.currentTime = Math.max(ranges.start(last), end - EDGE_MARGIN_S);
      this.seeks++;
      video.playbackRate = 1;
    } else {
      video.playbackRate = lag > CATCH_UP_LAG_S ? CATCH_UP_RATE : 1;
    }
    if (video.paused) {
      // Autoplay of a muted video is allowed; a rejection only means the element was paused
      // or detached meanwhile, and the next append tries again.
      video.play().catch(() => {});
    }
    const start = ranges.start(0);
    if (t - start > KEEP_BEHIND_S * 2 && !this.pending.some((p) => p.kind === 'remove')) {
      this.pending.unshift({ kind: 'remove', end: t - KEEP_BEHIND_S });
    }
  }

  private watch(): void {
    const now = performance.now();
    if (!this.progress.advanced(this.framesDecoded, now) && this.progress.stalled(now)) {
      this.fail(`no frame shown for ${this.progress.stallMs / 1000} s`);
    }
  }
}
