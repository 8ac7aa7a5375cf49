import type { Logger } from 'pino';
import type { RtpRingMemory } from '../../rtp/RtpRing.js';
import { RtpRingReader } from '../../rtp/RtpRingReader.js';
import type { KeyframeReason } from '../SfuTypes.js';
import type { ViewerFeed, WeriftViewer } from './WeriftViewer.js';

/** Longest wait for a packet before the feed re-checks its state, in ms. */
const WAIT_TIMEOUT_MS = 1000;

/**
 * One camera's packets on one viewer thread: waits on the camera's shared ring
 * (`Atomics.waitAsync`), and on each wake-up hands every new packet, by ring index, to each
 * of this thread's viewers of the camera. The loop allocates nothing per packet.
 *
 * Bounded: if this thread falls more than half a ring behind the writer (stalled event
 * loop), it skips to the newest packet, the skipped packets show as a sequence-number gap at
 * the viewers, and a keyframe is requested so their pictures recover.
 */
export class CameraFeed implements ViewerFeed {
  readonly cameraId: string;
  readonly reader: RtpRingReader;
  readonly #viewers = new Set<WeriftViewer>();
  readonly #requestKeyframe: (reason: KeyframeReason) => void;
  readonly #logger: Logger;
  #cursor: number;
  #overruns = 0;
  #stopped = false;

  /**
   * @param requestKeyframe forwards a keyframe request to the camera (rate-limited there).
   */
  constructor(
    cameraId: string,
    memory: RtpRingMemory,
    requestKeyframe: (reason: KeyframeReason) => void,
    logger: Logger,
  ) {
    this.cameraId = cameraId;
    this.reader = new RtpRingReader(memory);
    this.#cursor = this.reader.written();
    this.#requestKeyframe = requestKeyframe;
    this.#logger = logger;
    void this.#loop();
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** Times this thread fell behind and skipped packets. */
  get overruns(): number {
    return this.#overruns;
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  requestKeyframe(reason: KeyframeReason): void {
    this.#requestKeyframe(reason);
  }

  add(viewer: WeriftViewer): void {
    this.#viewers.add(viewer);
  }

  remove(viewer: WeriftViewer): void {
    this.#viewers.delete(viewer);
  }

  /** Stops the loop (viewers are closed by the host). Idempotent. */
  stop(): void {
    this.#stopped = true;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped && !this.reader.closed()) {
      await this.reader.wait(this.#cursor, WAIT_TIMEOUT_MS);
      this.#drain();
    }
  }

  #drain(): void {
    const written = this.reader.written();
    if (RtpRingReader.distance(this.#cursor, written) > this.reader.slots / 2) {
      this.#overruns += 1;
      this.#logger.warn(
        { camera: this.cameraId, behind: RtpRingReader.distance(this.#cursor, written) },
        'viewer thread fell behind the camera; skipping to the newest packets',
      );
      this.#cursor = (written - 1) >>> 0;
      this.#requestKeyframe('overrun');
    }
    while (this.#cursor !== written) {
      const index = this.#cursor;
      for (const viewer of this.#viewers) {
        try {
          viewer.deliver(index);
        } catch (error) {
          this.#logger.error({ err: error, viewer: viewer.id }, 'sending to a viewer failed; closing it');
          viewer.close();
        }
      }
      this.#cursor = (index + 1) >>> 0;
    }
  }
}
