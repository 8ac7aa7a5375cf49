import { InvalidStateError } from '../../../media/core/errors.js';
import type { MjpegCamera, MjpegStill, StillVariant } from '../../../media/mjpeg/MjpegTypes.js';

/** One `setStills` call as the fake camera saw it. */
export interface StillsCall {
  variant: StillVariant;
  enabled: boolean;
  fps?: number;
  quality?: number;
}

/**
 * A camera for the hub and router tests: records `setStills` calls (resolving like camerad, or
 * failing with `failWith`), and hands stills given to {@link emit} to the listeners.
 */
export class FakeStillCamera implements MjpegCamera {
  readonly id: string;
  running = true;
  readonly calls: StillsCall[] = [];
  /** The next `setStills` calls reject with this (InvalidStateError: camerad not connected). */
  failWith: Error | undefined;
  readonly #listeners = new Set<(still: MjpegStill) => void>();
  #frame = 0;

  constructor(id: string) {
    this.id = id;
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  async setStills(
    variant: StillVariant,
    opts: { enabled: boolean; fps?: number; quality?: number },
  ): Promise<{ variant: StillVariant; enabled: boolean; fps: number; quality: number }> {
    this.calls.push({ variant, ...opts });
    await new Promise((r) => setTimeout(r, 5)); // a round trip to camerad
    if (!this.running) throw new InvalidStateError('camerad is not connected');
    if (this.failWith) throw this.failWith;
    return { variant, enabled: opts.enabled, fps: opts.fps ?? 15, quality: opts.quality ?? 80 };
  }

  onStill(listener: (still: MjpegStill) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers one JPEG-shaped still (FF D8 … FF D9, `bytes` long) of `variant`. */
  emit(variant: StillVariant, bytes = 2000): MjpegStill {
    this.#frame += 1;
    const jpeg = Buffer.alloc(bytes, this.#frame & 0xff);
    jpeg[0] = 0xff;
    jpeg[1] = 0xd8;
    jpeg[bytes - 2] = 0xff;
    jpeg[bytes - 1] = 0xd9;
    const still = { variant, jpeg, frame: this.#frame, captureTimeMs: Date.now(), width: 64, height: 48 };
    for (const listener of this.#listeners) listener(still);
    return still;
  }
}
