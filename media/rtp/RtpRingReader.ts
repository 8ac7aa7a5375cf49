import { RING_CONTROL_BYTES, RING_SLOT_BYTES, RingControl, type RtpRingMemory, SLOT_KEYFRAME_BIT } from './RtpRing.js';

/**
 * Read access to an {@link RtpRing} from any thread. Slot views are made once, so reading a
 * packet allocates nothing: `packet(index)` returns a preallocated 1500-byte view of the slot
 * and `length(index)` its byte count.
 *
 * A slot is valid while the writer has not lapped it: `available(index)` is true for the
 * newest `slots / 2` packets only, keeping half a ring of margin between the writer and a
 * reader still working on an old slot.
 */
export class RtpRingReader {
  readonly slots: number;
  readonly #control: Int32Array;
  readonly #lengths: Uint16Array;
  readonly #info: Uint16Array;
  readonly #views: Buffer[];
  readonly #mask: number;

  constructor(memory: RtpRingMemory) {
    this.slots = memory.slots;
    this.#mask = memory.slots - 1;
    this.#control = new Int32Array(memory.buffer, 0, RING_CONTROL_BYTES / 4);
    this.#lengths = new Uint16Array(memory.buffer, RING_CONTROL_BYTES, memory.slots);
    this.#info = new Uint16Array(memory.buffer, RING_CONTROL_BYTES + memory.slots * 2, memory.slots);
    const dataStart = RING_CONTROL_BYTES + memory.slots * 4;
    this.#views = Array.from({ length: memory.slots }, (_, slot) =>
      Buffer.from(memory.buffer, dataStart + slot * RING_SLOT_BYTES, RING_SLOT_BYTES),
    );
  }

  /** Packets written so far (a u32 that wraps; compare with `distance`). */
  written(): number {
    return Atomics.load(this.#control, RingControl.written) >>> 0;
  }

  /** True once the writer closed the ring. */
  closed(): boolean {
    return Atomics.load(this.#control, RingControl.closed) === 1;
  }

  /** `to − from` modulo 2^32 as a signed number (packets). */
  static distance(from: number, to: number): number {
    return (to - from) | 0;
  }

  /** True when packet `index` has been written and is not about to be overwritten. */
  available(index: number): boolean {
    const behind = RtpRingReader.distance(index, this.written());
    return behind > 0 && behind <= this.slots / 2;
  }

  /** The slot holding packet `index` (1500 bytes; only the first `length(index)` are the packet). */
  packet(index: number): Buffer {
    return this.#views[index & this.#mask]!;
  }

  /** Byte length of packet `index`. */
  length(index: number): number {
    return this.#lengths[index & this.#mask]!;
  }

  /** RTP header length of packet `index` in bytes (where its payload starts), as the writer parsed it. */
  headerLength(index: number): number {
    return this.#info[index & this.#mask]! & ~SLOT_KEYFRAME_BIT;
  }

  /** True when packet `index` starts an SPS or IDR (h264.ts `startsKeyframe`, evaluated by the writer). */
  startsKeyframe(index: number): boolean {
    return (this.#info[index & this.#mask]! & SLOT_KEYFRAME_BIT) !== 0;
  }

  /** Index of the first packet of the newest keyframe still in the ring, or -1. */
  keyframeIndex(): number {
    if (Atomics.load(this.#control, RingControl.hasKeyframe) !== 1) return -1;
    const index = Atomics.load(this.#control, RingControl.keyframeIndex) >>> 0;
    return this.available(index) ? index : -1;
  }

  /**
   * Resolves when more than `seen` packets have been written, the ring is closed, or
   * `timeoutMs` passed (`Atomics.waitAsync`: no thread is blocked, one promise per wake-up).
   * A pending `waitAsync` does not keep the event loop alive: the calling thread must hold
   * another handle (the viewer thread's `parentPort` listener), or it exits while waiting.
   */
  async wait(seen: number, timeoutMs: number): Promise<void> {
    if (this.written() !== seen >>> 0 || this.closed()) return;
    const result = Atomics.waitAsync(this.#control, RingControl.written, seen | 0, timeoutMs);
    if (result.async) await result.value;
  }
}
