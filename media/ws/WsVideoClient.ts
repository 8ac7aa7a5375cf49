import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { AuFlag, withDiscontinuity } from './wsMessages.js';
import type { WsVideoFrame } from './WsVideoFrame.js';
import type { WsViewerStats } from './WsVideoTypes.js';

/** Bytes a WebSocket frame header may add to a server message (RFC 6455 §5.2: 2 + 8, unmasked). */
const FRAME_OVERHEAD = 10;

/** Options of {@link WsVideoClient}. */
export interface WsVideoClientOptions {
  id: string;
  /** Client address (after `server.trustProxy`), reported in the counters. */
  address: string;
  /** Queue bound, bytes: the socket's unwritten bytes plus this client's own queue (`websocket.queueBytes`). */
  queueBytes: number;
  /** Close (1008) a client whose socket stays full this long after an overflow, ms (`websocket.stallTimeoutMs`). */
  stallTimeoutMs: number;
  logger: Logger;
}

/** A message waiting to be handed to the socket. */
interface Queued {
  data: Buffer | string;
  /** Its cost against the bound: its length plus a frame header. */
  bytes: number;
  /** An access unit (counted as sent/dropped), not a configuration. */
  au: boolean;
}

/**
 * One WebSocket video viewer: the sender side of docs/websocket-video.md ("Start and flow
 * control"). Its queue is bounded in bytes, counting what the socket has not yet written
 * (`bufferedAmount`) and what waits here. Messages are handed to the socket only while it holds
 * less than a small share of the bound (at most 64 KiB), so most of what a slow client would
 * pile up stays here, where it can be dropped. When an access unit does not fit, everything
 * waiting here is dropped, nothing is queued until the next keyframe, and that keyframe carries
 * the discontinuity flag. A client whose queue overflowed and whose socket then writes nothing
 * for `stallTimeoutMs` (a client that stopped reading) is closed with 1008; a slow one that
 * still reads keeps skipping.
 */
export class WsVideoClient {
  readonly id: string;
  readonly address: string;
  readonly connectedAt = Date.now();
  readonly #ws: WebSocket;
  readonly #limit: number;
  /** The socket is given more only while it holds less than this, bytes. */
  readonly #handoff: number;
  readonly #stallTimeoutMs: number;
  readonly #logger: Logger;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  /** Joined without a cached keyframe: waits for one (not a skip, nothing dropped). */
  #waitingStart = true;
  #skipping = false;
  #discontinuity = false;
  /**
   * Since when (performance.now() ms) the queue is full and the socket has written nothing: set
   * by an overflow, moved on by each message the socket writes, cleared once the queue is below
   * half its bound.
   */
  #stalledSince: number | undefined;
  /** The configuration text the socket was last given, and the one queued last. */
  #configSent: string | undefined;
  #configQueued: string | undefined;
  #closed = false;
  #sent = 0;
  #sentBytes = 0;
  #droppedAccessUnits = 0;
  #droppedBytes = 0;
  #skips = 0;
  #maxQueueBytes = 0;

  constructor(ws: WebSocket, options: WsVideoClientOptions) {
    this.#ws = ws;
    this.id = options.id;
    this.address = options.address;
    this.#limit = options.queueBytes;
    this.#handoff = Math.min(64 * 1024, Math.floor(options.queueBytes / 4));
    this.#stallTimeoutMs = options.stallTimeoutMs;
    this.#logger = options.logger;
  }

  /** Bytes counted against the bound now. */
  get queueBytes(): number {
    return this.#ws.bufferedAmount + this.#queuedBytes;
  }

  get stats(): WsViewerStats {
    return {
      id: this.id,
      address: this.address,
      connectedAt: this.connectedAt,
      sent: this.#sent,
      sentBytes: this.#sentBytes,
      droppedAccessUnits: this.#droppedAccessUnits,
      droppedBytes: this.#droppedBytes,
      skips: this.#skips,
      maxQueueBytes: this.#maxQueueBytes,
      queueBytes: this.queueBytes,
      queueLimitBytes: this.#limit,
    };
  }

  /**
   * Offers one access unit. A client that has not started waits for a keyframe; one that skips
   * drops it unless it is a keyframe that fits.
   * @param config the camera's current configuration message (JSON text): queued first when it
   *   differs from the one this client has.
   */
  push(frame: WsVideoFrame, config: string): void {
    if (this.#closed) return;
    // 1. a full queue and a socket that has written nothing for too long: the client is gone
    if (this.#stalledSince !== undefined && performance.now() - this.#stalledSince > this.#stallTimeoutMs) {
      this.close(1008, 'too slow');
      return;
    }
    // 2. start and skips end at a keyframe; nothing was skipped before a client's first one
    let first = false;
    if (this.#waitingStart) {
      if (!frame.keyframe) return;
      this.#waitingStart = false;
      first = true;
    }
    if (this.#skipping && !frame.keyframe) {
      this.#drop(frame.message.length);
      return;
    }
    const configCost = config !== (this.#configQueued ?? this.#configSent) ? config.length + FRAME_OVERHEAD : 0;
    const cost = frame.message.length + FRAME_OVERHEAD + configCost;
    // 3. does it fit? If not: drop what waits, skip to the next keyframe (this one, if it fits alone)
    if (this.queueBytes + cost > this.#limit) {
      this.#overflow();
      if (!(
        frame.keyframe && this.queueBytes + cost + (this.#configCostAfterDrop(config) - configCost) <= this.#limit
      )) {
        this.#drop(frame.message.length);
        return;
      }
    }
    // 4. queue (the configuration first when it changed), then hand what the socket can take
    if (config !== (this.#configQueued ?? this.#configSent)) {
      this.#enqueue({ data: config, bytes: config.length + FRAME_OVERHEAD, au: false });
      this.#configQueued = config;
    }
    if (this.#skipping) {
      this.#skipping = false;
      this.#discontinuity = true;
    }
    // The shared message says whether the camera's RTP lost something; this client adds its own skips.
    const lost = (frame.message[1]! & AuFlag.discontinuity) !== 0;
    const message = withDiscontinuity(frame.message, this.#discontinuity || (lost && !first));
    this.#discontinuity = false;
    this.#enqueue({ data: message, bytes: message.length + FRAME_OVERHEAD, au: true });
    this.#maxQueueBytes = Math.max(this.#maxQueueBytes, this.queueBytes);
    this.#pump();
  }

  /** Sends a text message now, past the queue (the end message before a close). */
  sendText(text: string): void {
    if (this.#closed) return;
    this.#ws.send(text, (error) => {
      if (error) this.#logger.debug({ err: error, viewer: this.id }, 'cannot send the end message');
    });
  }

  /**
   * Closes the WebSocket (1000 camera removed or server closing, 1008 too slow, 1011 error) and
   * drops the queue. A socket that cannot take the close frame is torn down 1 s later. Idempotent.
   */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropQueue();
    this.#logger.info({ viewer: this.id, code, reason, ...this.stats }, 'WebSocket viewer closed');
    this.#ws.close(code, reason);
    const terminate = setTimeout(() => this.#ws.terminate(), 1000);
    terminate.unref();
    this.#ws.once('close', () => clearTimeout(terminate));
  }

  /** The configuration cost once the queue was dropped (what the socket was last given decides). */
  #configCostAfterDrop(config: string): number {
    return config !== this.#configSent ? config.length + FRAME_OVERHEAD : 0;
  }

  #overflow(): void {
    this.#dropQueue();
    this.#configQueued = undefined;
    if (!this.#skipping) {
      this.#skipping = true;
      this.#skips += 1;
    }
    this.#stalledSince ??= performance.now();
  }

  /** Drops everything waiting here (access units counted as dropped). */
  #dropQueue(): void {
    for (const item of this.#queue) if (item.au) this.#drop(item.data.length);
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #drop(bytes: number): void {
    this.#droppedAccessUnits += 1;
    this.#droppedBytes += bytes;
  }

  #enqueue(item: Queued): void {
    this.#queue.push(item);
    this.#queuedBytes += item.bytes;
  }

  /** Hands queued messages to the socket while it holds less than the hand-off share. */
  #pump(): void {
    while (!this.#closed && this.#queue.length > 0 && this.#ws.bufferedAmount < this.#handoff) {
      const item = this.#queue.shift()!;
      this.#queuedBytes -= item.bytes;
      if (item.au) {
        this.#sent += 1;
        this.#sentBytes += item.data.length;
      } else {
        this.#configSent = item.data as string;
        if (this.#configQueued === this.#configSent) this.#configQueued = undefined;
      }
      this.#ws.send(item.data, (error) => {
        if (error) {
          this.#logger.debug({ err: error, viewer: this.id }, 'WebSocket send failed');
          this.close(1011, 'send failed');
          return;
        }
        // The socket wrote a message: progress, however slow.
        if (this.#stalledSince !== undefined) {
          this.#stalledSince = this.queueBytes < this.#limit / 2 ? undefined : performance.now();
        }
        this.#pump();
      });
    }
  }
}
