import { payloadStartsKeyframe, rtpPayloadOffset } from './h264.js';

/** Largest RTP packet a ring slot holds, in bytes (camerad's MTU is 1200; Ethernet's is 1500). */
export const RING_SLOT_BYTES = 1500;

/** Indexes of the ring's control words (an `Int32Array` at the start of the shared buffer). */
export const RingControl = {
  /** Packets written since the ring was created (wraps at 2^32; compare with `(a - b) | 0`). */
  written: 0,
  /** Ring index of the first packet of the newest keyframe (SPS/IDR access unit). */
  keyframeIndex: 1,
  /** 1 once `keyframeIndex` is set. */
  hasKeyframe: 2,
  /** 1 once the writer closed the ring: readers stop. */
  closed: 3,
  /** RTP timestamp of the keyframe at `keyframeIndex` (as int32). */
  keyframeTimestamp: 4,
} as const;

/** Bytes of `Int32` control words at the start of the shared buffer. */
export const RING_CONTROL_BYTES = 64;

/** Bit of a slot's info word set when the packet starts an SPS/IDR (the rest is the header length). */
export const SLOT_KEYFRAME_BIT = 0x8000;

/** The shared memory of one camera's ring, as passed to viewer threads. */
export interface RtpRingMemory {
  /** Control words, slot lengths and slot bytes (layout: see {@link RtpRing}). */
  buffer: SharedArrayBuffer;
  /** Number of slots, a power of two. */
  slots: number;
}

/**
 * One camera's RTP packets in shared memory, written once by the ingest thread and read by
 * every viewer thread: the fan-out path parses each packet once (keyframe detection, here)
 * and hands the same bytes to all viewer workers without copying or allocating per packet.
 *
 * The ring doubles as the GOP cache: it remembers where the newest keyframe starts, so a new
 * viewer is sent the packets from that keyframe on and starts decoding at once instead of
 * waiting up to a whole GOP (MEDIA-NOTES.md: 0.7–3.4 s without, 0.5–0.8 s with), and as the
 * retransmission buffer answering NACKs (RFC 4585 §6.2.1).
 *
 * The writer parses each packet once: its RTP header length and whether it starts a keyframe
 * go into the slot's info word, so readers never parse headers.
 *
 * Layout of the `SharedArrayBuffer`: 64 bytes of `Int32` control words ({@link RingControl}),
 * then `slots` `Uint16` packet lengths, `slots` `Uint16` info words (header length in bytes,
 * | {@link SLOT_KEYFRAME_BIT}), then `slots × 1500` bytes of packets. The writer
 * publishes a packet by storing its length and bytes first and then the new `written` count
 * with `Atomics.store` (release), then wakes readers with `Atomics.notify`. Readers are
 * bounded: one that falls more than half a ring behind skips ahead (see `RtpRingReader`).
 */
export class RtpRing {
  readonly memory: RtpRingMemory;
  readonly #control: Int32Array;
  readonly #lengths: Uint16Array;
  readonly #info: Uint16Array;
  readonly #data: Uint8Array;
  readonly #mask: number;
  #written = 0;
  #dropped = 0;
  #keyframes = 0;
  #keyframeTs = -1;

  /**
   * @param minSlots packets the ring holds at least; rounded up to a power of two
   *   (4096 slots ≈ 6 MiB ≈ 15 s of a 2.5 Mbit/s stream in 1200-byte packets).
   */
  constructor(minSlots: number) {
    let slots = 1;
    while (slots < minSlots) slots *= 2;
    const buffer = new SharedArrayBuffer(RING_CONTROL_BYTES + slots * 4 + slots * RING_SLOT_BYTES);
    this.memory = { buffer, slots };
    this.#control = new Int32Array(buffer, 0, RING_CONTROL_BYTES / 4);
    this.#lengths = new Uint16Array(buffer, RING_CONTROL_BYTES, slots);
    this.#info = new Uint16Array(buffer, RING_CONTROL_BYTES + slots * 2, slots);
    this.#data = new Uint8Array(buffer, RING_CONTROL_BYTES + slots * 4, slots * RING_SLOT_BYTES);
    this.#mask = slots - 1;
  }

  /** Packets written so far. */
  get written(): number {
    return this.#written;
  }

  /** Keyframes (SPS/IDR access units) seen so far. */
  get keyframes(): number {
    return this.#keyframes;
  }

  /** Packets dropped: larger than a slot (1500 bytes), or without a payload after the RTP header. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Copies one RTP packet into the next slot and wakes the readers. A packet that starts an
   * SPS or IDR with a new RTP timestamp becomes the newest keyframe (x264's sliced IDRs
   * start several FU-As at one timestamp; SPS comes first, so the access unit starts there).
   * @param packet a whole RTP packet; not retained.
   */
  write(packet: Uint8Array): void {
    const headerLength = packet.length > RING_SLOT_BYTES ? -1 : rtpPayloadOffset(packet);
    if (headerLength < 0) {
      this.#dropped += 1;
      return;
    }
    const index = this.#written;
    const slot = index & this.#mask;
    const keyframe = payloadStartsKeyframe(packet, headerLength);
    this.#data.set(packet, slot * RING_SLOT_BYTES);
    this.#lengths[slot] = packet.length;
    this.#info[slot] = headerLength | (keyframe ? SLOT_KEYFRAME_BIT : 0);
    if (keyframe) {
      const ts = ((packet[4]! << 24) | (packet[5]! << 16) | (packet[6]! << 8) | packet[7]!) >>> 0;
      if (ts !== this.#keyframeTs) {
        this.#keyframeTs = ts;
        this.#keyframes += 1;
        Atomics.store(this.#control, RingControl.keyframeIndex, index | 0);
        Atomics.store(this.#control, RingControl.keyframeTimestamp, ts | 0);
        Atomics.store(this.#control, RingControl.hasKeyframe, 1);
      }
    }
    this.#written = (index + 1) >>> 0;
    Atomics.store(this.#control, RingControl.written, this.#written | 0);
    Atomics.notify(this.#control, RingControl.written);
  }

  /** Tells readers to stop. Idempotent. */
  close(): void {
    Atomics.store(this.#control, RingControl.closed, 1);
    Atomics.notify(this.#control, RingControl.written);
  }
}
