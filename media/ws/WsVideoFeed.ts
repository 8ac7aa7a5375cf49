import type { Logger } from 'pino';
import { H264Depacketizer } from './H264Depacketizer.js';
import type { WsVideoClient } from './WsVideoClient.js';
import type { WsVideoFrame } from './WsVideoFrame.js';
import { configMessage, encodeAccessUnit } from './wsMessages.js';
import type { AccessUnit, DepacketizerStats, WsVideoCamera } from './WsVideoTypes.js';

/**
 * One camera's WebSocket video: subscribes to the camera's RTP once for all its WebSocket
 * viewers (from the first viewer to the last), depacketizes it into access units
 * ({@link H264Depacketizer}), builds each message once, keeps the GOP cache (the access units
 * since the newest keyframe, bounded in bytes) and hands every access unit to every viewer with
 * the current configuration message. A viewer joining without a cached keyframe waits for the
 * next one, and the encoder is asked for it.
 */
export class WsVideoFeed {
  readonly #camera: WsVideoCamera;
  readonly #gopCacheBytes: number;
  readonly #logger: Logger;
  readonly #clients = new Set<WsVideoClient>();
  #unsubscribe: (() => void) | undefined;
  #depacketizer: H264Depacketizer | undefined;
  #gop: WsVideoFrame[] = [];
  #gopBytes = 0;
  /** The configuration message (JSON text) of the current SPS and PPS, and those bytes. */
  #config: string | undefined;
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #closed = false;

  /** @param gopCacheBytes bound of the GOP cache, bytes (`websocket.gopCacheBytes`). */
  constructor(camera: WsVideoCamera, gopCacheBytes: number, logger: Logger) {
    this.#camera = camera;
    this.#gopCacheBytes = gopCacheBytes;
    this.#logger = logger.child({ module: 'ws-video', camera: camera.id });
  }

  get clients(): readonly WsVideoClient[] {
    return [...this.#clients];
  }

  /** The depacketizer's counters while subscribed. */
  get depacketizerStats(): DepacketizerStats | undefined {
    return this.#depacketizer?.stats;
  }

  /** Adds a viewer: it gets the configuration and the GOP cache at once, or waits for a keyframe. */
  add(client: WsVideoClient): void {
    if (this.#closed) throw new Error('WsVideoFeed closed');
    this.#clients.add(client);
    if (!this.#unsubscribe) {
      const depacketizer = new H264Depacketizer((au) => this.#onAccessUnit(au));
      this.#depacketizer = depacketizer;
      this.#unsubscribe = this.#camera.subscribeRtp(
        (packet) => depacketizer.push(packet),
        () => depacketizer.reset(),
      );
    }
    if (this.#gop.length > 0 && this.#config !== undefined) {
      for (const frame of this.#gop) client.push(frame, this.#config);
    } else {
      this.#camera.requestKeyframe('ws-viewer-join');
    }
  }

  /** Removes a viewer; the last one unsubscribes from the RTP and empties the cache. */
  remove(client: WsVideoClient): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stop();
  }

  /** Tells every viewer why (`{type:"close"}`), closes them with 1000 and unsubscribes. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const text = JSON.stringify({ type: 'close', reason });
    for (const client of this.#clients) {
      client.sendText(text);
      client.close(1000, reason);
    }
    this.#clients.clear();
    this.#stop();
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#depacketizer = undefined;
    this.#gop = [];
    this.#gopBytes = 0;
  }

  #onAccessUnit(au: AccessUnit): void {
    // 1. a new SPS/PPS (first keyframe, or the encoder restarted with another size): a new configuration
    if (au.sps && au.pps && !(this.#sps?.equals(au.sps) && this.#pps?.equals(au.pps))) {
      try {
        this.#config = JSON.stringify(configMessage(au.sps, au.pps));
        this.#sps = au.sps;
        this.#pps = au.pps;
      } catch (error) {
        this.#logger.warn({ err: error }, 'cannot parse the SPS: access unit dropped');
        return;
      }
    }
    const config = this.#config;
    if (config === undefined) return; // no parameter sets yet: nothing could decode it
    // 2. the message, built once; the GOP cache restarts at each keyframe
    const frame: WsVideoFrame = { keyframe: au.keyframe, message: encodeAccessUnit(au) };
    if (frame.keyframe) {
      this.#gop = [];
      this.#gopBytes = 0;
    }
    if (frame.keyframe || this.#gop.length > 0) {
      this.#gop.push(frame);
      this.#gopBytes += frame.message.length;
      if (this.#gopBytes > this.#gopCacheBytes) {
        this.#gop = [];
        this.#gopBytes = 0;
      }
    }
    // 3. every viewer
    for (const client of this.#clients) client.push(frame, config);
  }
}
