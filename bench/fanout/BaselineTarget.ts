import { BaselineRig } from '../lib/BaselineRig.js';
import type { FanoutTarget, StreamSettings } from './FanoutTargetTypes.js';

/** Options of {@link BaselineTarget.start}. */
export interface BaselineTargetOptions {
  /** Project root. */
  root: string;
  stream: StreamSettings;
}

/**
 * The baseline ({@link BaselineRig}, no project code): GStreamer x264 → RTP →
 * `bench/baseline/bareRelay.ts`, one werift peer per viewer on one JS thread; no probe drawn.
 */
export class BaselineTarget implements FanoutTarget {
  readonly kind = 'baseline';
  readonly description = 'node --import tsx bench/baseline/bareRelay.ts';
  readonly whepUrl: string;
  readonly #rig: BaselineRig;

  private constructor(rig: BaselineRig) {
    this.#rig = rig;
    this.whepUrl = rig.whepUrl;
  }

  /** @throws Error with the processes' output when either does not start. */
  static async start(options: BaselineTargetOptions): Promise<BaselineTarget> {
    return new BaselineTarget(
      await BaselineRig.start({ root: options.root, stream: { ...options.stream, probe: false } }),
    );
  }

  get pid(): number {
    return this.#rig.relay.pid;
  }

  async encoderPid(): Promise<number | null> {
    return this.#rig.sender.child.exitCode === null ? this.#rig.sender.pid : null;
  }

  async encoderFrames(): Promise<number | null> {
    return null; // probe_sender.py reports no counters; the viewers' kbit/s tell its output
  }

  async viewerCount(): Promise<number> {
    return (await this.#rig.status()).viewers;
  }

  assertRunning(): void {
    this.#rig.assertRunning();
  }

  stop(): Promise<void> {
    return this.#rig.stop();
  }
}
