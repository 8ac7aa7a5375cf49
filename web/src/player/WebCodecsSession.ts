import type { LatencyProbe } from '../LatencyProbe';
import { FRAME_STALL_MS } from './FrameProgress';
import type { PathSession, PlayerSurface } from './PlayerTypes';
import { showOnly } from './createSurface';
import { VideoSocket } from './VideoSocket';
import type { WsAccessUnit, WsConfig } from './wsProtocol';

/** Chunks waiting in the decoder beyond which access units are skipped up to the next keyframe. */
const MAX_DECODE_QUEUE = 30;
/** Arrival times kept for frames in the decoder (one per chunk in flight, bounded). */
const MAX_PENDING_ARRIVALS = 64;

/** True where WebCodecs can play: a secure context (HTTPS or loopback) with `VideoDecoder`. */
export function webCodecsAvailable(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext && 'VideoDecoder' in window;
}

/**
 * The `websocket` path: access units from a `VideoSocket` decoded by WebCodecs' `VideoDecoder`
 * (`optimizeForLatency`, the avcC record of the config message as `description`) and each decoded
 * `VideoFrame` drawn onto the canvas at once, then measured by the latency probe (its strip, its
 * arrival → display time).
 *
 * Bounded: more than 30 chunks waiting in the decoder skip access units up to the next keyframe
 * (`skipped` counts them). Fails on a closed socket, a decoder error or no frame for 4 s.
 */
export class WebCodecsSession implements PathSession {
  readonly path = 'websocket' as const;
  framesDecoded = 0;
  /** Access units not decoded (queue over its bound, or waiting for a keyframe after a gap). */
  skipped = 0;
  width = 0;
  height = 0;
  onfirstframe: ((at: number) => void) | null = null;
  onfailure: ((reason: string) => void) | null = null;

  private readonly socket: VideoSocket;
  private decoder: VideoDecoder | null = null;
  private config: WsConfig | null = null;
  private needKeyframe = true;
  private closed = false;
  private ctx: CanvasRenderingContext2D | null = null;
  /** Chunk timestamp (µs) → `performance.now()` of its message, for receive → display. */
  private readonly arrivals = new Map<number, number>();
  private stallTimer: number | undefined;
  private lastFrameAt = 0;

  /**
   * @param url WebSocket URL (`videoSocketUrl`).
   * @param surface the canvas is drawn into and shown; video and img are hidden.
   * @param probe latency probe fed with every frame drawn.
   */
  constructor(
    url: string,
    private readonly surface: PlayerSurface,
    private readonly probe: LatencyProbe,
  ) {
    this.socket = new VideoSocket(url);
  }

  get bytesReceived(): number {
    return this.socket.bytesReceived;
  }

  start(): void {
    this.socket.onconfig = (c) => this.configure(c);
    this.socket.onaccessunit = (au, at) => this.decode(au, at);
    this.socket.onclose = (reason) => this.fail(reason);
    this.lastFrameAt = performance.now();
    this.stallTimer = window.setInterval(() => {
      if (performance.now() - this.lastFrameAt > FRAME_STALL_MS)
        this.fail(`no frame decoded for ${FRAME_STALL_MS / 1000} s`);
    }, 1000);
    this.socket.open();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    window.clearInterval(this.stallTimer);
    this.socket.close();
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    this.arrivals.clear();
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.onfailure?.(reason);
  }

  private configure(config: WsConfig): void {
    if (this.closed) return;
    const same =
      this.config !== null &&
      this.config.codec === config.codec &&
      this.config.description.length === config.description.length &&
      this.config.description.every((b, i) => b === config.description[i]);
    if (same) return;
    this.config = config;
    if (!this.decoder) {
      this.decoder = new VideoDecoder({
        output: (frame) => this.show(frame),
        error: (err) => this.fail(`decoder error: ${err.message}`),
      });
    }
    // A new SPS/PPS (another size): start again at the next keyframe.
    this.decoder.configure({ codec: config.codec, description: config.description, optimizeForLatency: true });
    this.needKeyframe = true;
  }

  private decode(au: WsAccessUnit, receivedAt: number): void {
    const decoder = this.decoder;
    if (this.closed || !decoder || decoder.state !== 'configured') return;
    if (au.discontinuity && !au.keyframe) this.needKeyframe = true;
    if (!au.keyframe && decoder.decodeQueueSize > MAX_DECODE_QUEUE) this.needKeyframe = true;
    if (this.needKeyframe && !au.keyframe) {
      this.skipped++;
      return;
    }
    this.needKeyframe = false;
    if (this.arrivals.size >= MAX_PENDING_ARRIVALS) this.arrivals.clear();
    this.arrivals.set(au.timestampUs, receivedAt);
    decoder.decode(
      new EncodedVideoChunk({ type: au.keyframe ? 'key' : 'delta', timestamp: au.timestampUs, data: au.data }),
    );
  }

  /** Draws a decoded frame now (lowest latency: no frame is held back) and measures it. */
  private show(frame: VideoFrame): void {
    try {
      if (this.closed) return;
      const { canvas } = this.surface;
      const w = frame.displayWidth;
      const h = frame.displayHeight;
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
        this.ctx = null;
      }
      this.ctx ??= canvas.getContext('2d', { alpha: false });
      this.ctx?.drawImage(frame, 0, 0, w, h);
      const now = performance.now();
      this.width = w;
      this.height = h;
      this.framesDecoded++;
      this.lastFrameAt = now;
      const arrived = this.arrivals.get(frame.timestamp) ?? null;
      this.arrivals.delete(frame.timestamp);
      this.probe.measure(frame, w, h, now, arrived);
      if (this.framesDecoded === 1) {
        showOnly(this.surface, 'canvas');
        this.onfirstframe?.(now);
      }
    } finally {
      frame.close();
    }
  }
}
