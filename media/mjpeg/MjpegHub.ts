import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InvalidStateError } from '../core/errors.js';
import { MjpegClient } from './MjpegClient.js';
import { mjpegPart, newBoundary } from './mjpegPart.js';
import type { MjpegCamera, MjpegHubStats, MjpegStill, StillVariant } from './MjpegTypes.js';

/** How long after the last client left camerad's variant is switched off, ms (not a setting). */
export const DISABLE_DELAY_MS = 1500;

/** Options of {@link MjpegHub}. */
export interface MjpegHubOptions {
  camera: MjpegCamera;
  variant: StillVariant;
  /** Stills per second camerad encodes while someone watches, in (0, 30] (`outputs.mjpeg.fps`). */
  fps: number;
  /** JPEG quality, integer 1..100 (`outputs.mjpeg.quality`). */
  quality: number;
  /** Parts each client may have waiting (see MjpegClient), integer ≥ 1 (`outputs.mjpeg.queueFrames`). */
  queueFrames: number;
  /**
   * After the last client left, camerad's variant is switched off this much later unless a
   * client came back (a page reload does not flap the encoder), ms ≥ 0. Not a setting (tests
   * shorten it): default {@link DISABLE_DELAY_MS}.
   */
  disableDelayMs?: number;
  logger: Logger;
}

/**
 * The MJPEG fan-out of one camera and one stills variant (`clean` or `overlays`).
 *
 * camerad encodes the variant only while the hub has clients: the first client switches it on
 * (`Camera.setStills`), and it goes off `disableDelayMs` after the last one left. Each still is
 * framed once ({@link mjpegPart}) and offered to every client, whose bounded queue decides what a
 * slow one loses. After a camerad restart the camera re-applies the last wish (Camera.setStills).
 * Requests to camerad are serialised: the last wish wins.
 */
export class MjpegHub {
  readonly camera: MjpegCamera;
  readonly variant: StillVariant;
  readonly fps: number;
  readonly quality: number;
  readonly queueFrames: number;
  readonly #disableDelayMs: number;
  readonly #logger: Logger;
  readonly #boundary = newBoundary();
  readonly #clients = new Map<string, MjpegClient>();
  readonly #unsubscribe: () => void;
  #nextClient = 1;
  #stills = 0;
  /** Parts dropped by clients that have left (the connected ones count their own). */
  #droppedByGone = 0;
  /** What camerad should do: encode this variant or not. */
  #wanted = false;
  /** The wish last handed to the camera (which re-applies it after a camerad restart). */
  #enabled = false;
  #applying: Promise<void> | undefined;
  #disableTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  /** @throws TypeError when `fps`, `quality`, `queueFrames` or `disableDelayMs` is out of range. */
  constructor(options: MjpegHubOptions) {
    const { fps, quality, queueFrames } = options;
    const disableDelayMs = options.disableDelayMs ?? DISABLE_DELAY_MS;
    if (!(Number.isFinite(fps) && fps > 0 && fps <= 30)) throw new TypeError(`fps must be in (0, 30], got ${fps}`);
    if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw new TypeError(`quality must be an integer 1..100, got ${quality}`);
    }
    if (!(Number.isInteger(queueFrames) && queueFrames >= 1)) {
      throw new TypeError(`queueFrames must be an integer ≥ 1, got ${queueFrames}`);
    }
    if (!(Number.isFinite(disableDelayMs) && disableDelayMs >= 0)) {
      throw new TypeError(`disableDelayMs must be ≥ 0, got ${disableDelayMs}`);
    }
    this.camera = options.camera;
    this.variant = options.variant;
    this.fps = fps;
    this.quality = quality;
    this.queueFrames = queueFrames;
    this.#disableDelayMs = disableDelayMs;
    this.#logger = options.logger.child({ module: 'mjpeg', camera: options.camera.id, variant: options.variant });
    this.#unsubscribe = this.camera.onStill(this.#onStill);
  }

  /** The multipart boundary of this hub's responses (`Content-Type: multipart/x-mixed-replace; boundary=…`). */
  get boundary(): string {
    return this.#boundary;
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Parts dropped for slow clients since the hub was created, clients that left included. */
  get dropped(): number {
    let dropped = this.#droppedByGone;
    for (const client of this.#clients.values()) dropped += client.dropped;
    return dropped;
  }

  /** camerad's variant is switched on (or will be as soon as camerad is connected). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Turns `res` into an MJPEG stream of this hub (sends the response head now) and switches
   * camerad's variant on when it is the first client. The client leaves when its connection
   * closes.
   * @throws InvalidStateError when the hub is closed.
   */
  addClient(res: ServerResponse): MjpegClient {
    if (this.#closed)
      throw new InvalidStateError(`MJPEG ${this.variant} stream of camera "${this.camera.id}" is closed`);
    const id = `${this.camera.id}/${this.variant}/${this.#nextClient++}`;
    const client = new MjpegClient(res, {
      id,
      boundary: this.#boundary,
      queueFrames: this.queueFrames,
      onClose: () => this.#removeClient(id),
    });
    if (client.closed) return client; // the connection was gone already
    this.#clients.set(id, client);
    this.#logger.debug({ client: id, clients: this.#clients.size }, 'MJPEG client joined');
    clearTimeout(this.#disableTimer);
    this.#disableTimer = undefined;
    this.#want(true);
    return client;
  }

  stats(): MjpegHubStats {
    return {
      camera: this.camera.id,
      variant: this.variant,
      enabled: this.#enabled,
      fps: this.fps,
      quality: this.quality,
      stills: this.#stills,
      clients: this.#clients.size,
      dropped: this.dropped,
      clientStats: [...this.#clients.values()].map((c) => c.stats()),
    };
  }

  /**
   * Closes every client, stops listening to the camera and switches camerad's variant off when
   * it is on. Idempotent; resolves once camerad answered (or could not be reached).
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearTimeout(this.#disableTimer);
      this.#disableTimer = undefined;
      this.#unsubscribe();
      for (const client of [...this.#clients.values()]) client.close();
      this.#clients.clear();
      this.#wanted = false;
      await this.#applying;
      if (this.#enabled) {
        try {
          await this.camera.setStills(this.variant, { enabled: false });
        } catch (error) {
          // Closing: camerad may be stopping too; a restarted camerad starts with stills off.
          this.#logger.debug({ err: error }, 'cannot switch stills off while closing');
        }
        this.#enabled = false;
      }
    })();
    return this.#closed;
  }

  #removeClient(id: string): void {
    const client = this.#clients.get(id);
    if (!client) return;
    this.#clients.delete(id);
    this.#droppedByGone += client.dropped;
    this.#logger.debug({ client: id, clients: this.#clients.size }, 'MJPEG client left');
    if (this.#clients.size > 0 || this.#closed) return;
    clearTimeout(this.#disableTimer);
    this.#disableTimer = setTimeout(() => {
      this.#disableTimer = undefined;
      if (this.#clients.size === 0) this.#want(false);
    }, this.#disableDelayMs);
    this.#disableTimer.unref();
  }

  /** Records the wish and brings camerad to it (one request at a time). */
  #want(enabled: boolean): void {
    this.#wanted = enabled;
    this.#applying ??= this.#apply().finally(() => (this.#applying = undefined));
  }

  async #apply(): Promise<void> {
    while (!this.#closed && this.#wanted !== this.#enabled) {
      const enabled = this.#wanted;
      try {
        const result = await this.camera.setStills(
          this.variant,
          enabled ? { enabled, fps: this.fps, quality: this.quality } : { enabled },
        );
        this.#enabled = enabled;
        this.#logger.info({ fps: result.fps, quality: result.quality }, `stills ${result.enabled ? 'on' : 'off'}`);
      } catch (error) {
        if (error instanceof InvalidStateError) {
          // camerad is not connected: Camera keeps the wish and applies it when camerad is back.
          this.#enabled = enabled;
          this.#logger.info({ enabled }, 'camerad not connected: stills switched when it is back');
        } else {
          // Refused (e.g. bad_request): logged; the next client tries again.
          this.#logger.warn({ err: error, enabled }, 'cannot switch stills');
          return;
        }
      }
    }
  }

  readonly #onStill = (still: MjpegStill): void => {
    if (still.variant !== this.variant || this.#closed) return;
    this.#stills += 1;
    if (this.#clients.size === 0) return;
    // One copy per still, shared by every client: the still's buffer is a view into camerad's
    // message, valid only during this call (Camera.onStill).
    const part = mjpegPart(this.#boundary, { ...still, jpeg: Buffer.from(still.jpeg) });
    for (const client of this.#clients.values()) client.push(part);
  };
}
