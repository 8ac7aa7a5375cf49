import { NalType as NAL, rtpPayloadOffset } from '../rtp/h264.js';
import type { AccessUnit, DepacketizerStats } from './WsVideoTypes.js';

/** Bounds of {@link H264Depacketizer}. */
export interface DepacketizerLimits {
  /** Largest NAL unit, bytes (an FU-A reassembly beyond it is dropped). Default 4 MiB. */
  maxNalBytes?: number;
  /** Largest access unit, bytes. Default 8 MiB. */
  maxAccessUnitBytes?: number;
  /** Most NAL units in one access unit. Default 512. */
  maxNalsPerAccessUnit?: number;
}

/**
 * Turns an H.264 RTP stream (RFC 6184, packetization mode 1 as rtph264pay sends it) into access
 * units: single NAL unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8). An access unit ends
 * with the marker bit (§5.1) or, when that packet was lost, when the RTP timestamp changes. A
 * sequence number gap (RFC 3550 §5.1) drops the access unit in progress and everything after it
 * until the next keyframe (an IDR), so what comes out always decodes; so does the start.
 * Memory is bounded by {@link DepacketizerLimits}.
 *
 * Packets must be whole RTP packets; they are read synchronously and not kept (NAL units are
 * copied into the access unit).
 */
export class H264Depacketizer {
  readonly #onAccessUnit: (au: AccessUnit) => void;
  readonly #maxNal: number;
  readonly #maxAu: number;
  readonly #maxNals: number;
  readonly #stats: DepacketizerStats = { packets: 0, accessUnits: 0, gaps: 0, droppedAccessUnits: 0, badPackets: 0 };
  #expectedSeq: number | undefined;
  /** RTP timestamp of the access unit in progress. */
  #auTs: number | undefined;
  #nals: Buffer[] = [];
  #auBytes = 0;
  /** The access unit in progress is broken (lost fragment, bound): dropped at its end. */
  #auBroken = false;
  #fu: Buffer[] | undefined;
  #fuBytes = 0;
  #waitKeyframe = true;
  /** Something was dropped since the last access unit given out (not the start). */
  #dropped = false;
  /** Unwrapped timestamp: the last 32-bit value and its extension. */
  #lastTs32: number | undefined;
  #extTs = 0;
  /** Parameter sets that came in an access unit of their own, for the next picture. */
  #pendingSps: Buffer | undefined;
  #pendingPps: Buffer | undefined;

  constructor(onAccessUnit: (au: AccessUnit) => void, limits: DepacketizerLimits = {}) {
    this.#onAccessUnit = onAccessUnit;
    this.#maxNal = limits.maxNalBytes ?? 4 * 1024 * 1024;
    this.#maxAu = limits.maxAccessUnitBytes ?? 8 * 1024 * 1024;
    this.#maxNals = limits.maxNalsPerAccessUnit ?? 512;
  }

  get stats(): DepacketizerStats {
    return { ...this.#stats };
  }

  /** Forgets the stream (a restarted source): waits for the next keyframe. */
  reset(): void {
    this.#expectedSeq = undefined;
    this.#dropInProgress(false);
    this.#waitKeyframe = true;
    this.#lastTs32 = undefined;
    this.#pendingSps = undefined;
    this.#pendingPps = undefined;
  }

  /** Takes one RTP packet; calls the listener for each access unit it completes. */
  push(packet: Uint8Array): void {
    this.#stats.packets += 1;
    let end = packet.length;
    if (packet.length >= 1 && packet[0]! & 0x20) end -= packet[packet.length - 1]!; // padding (RFC 3550 §5.1)
    const offset = rtpPayloadOffset(packet);
    if (offset < 0 || offset >= end) {
      this.#stats.badPackets += 1;
      return;
    }
    const view = Buffer.from(packet.buffer, packet.byteOffset, end);
    const seq = view.readUInt16BE(2);
    const ts = view.readUInt32BE(4);
    const marker = (view[1]! & 0x80) !== 0;
    // 1. a gap: what is in progress cannot decode, nor can anything until the next IDR
    if (this.#expectedSeq !== undefined && seq !== this.#expectedSeq) {
      this.#stats.gaps += 1;
      if (this.#stats.accessUnits > 0) this.#dropped = true;
      this.#dropInProgress(true);
      this.#waitKeyframe = true;
    }
    this.#expectedSeq = (seq + 1) & 0xffff;
    // 2. a new timestamp ends the access unit in progress (a sender that sets no marker bit)
    if (this.#auTs !== undefined && ts !== this.#auTs && (this.#nals.length > 0 || this.#fu)) {
      this.#finish(this.#auTs);
    }
    this.#auTs = ts;
    // 3. the payload
    this.#payload(view.subarray(offset));
    // 4. the marker bit ends the access unit
    if (marker) this.#finish(ts);
  }

  #payload(payload: Buffer): void {
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.#addNal(Buffer.from(payload));
    } else if (type === NAL.stapA) {
      let p = 1;
      while (p + 2 <= payload.length) {
        const size = payload.readUInt16BE(p);
        p += 2;
        if (size === 0 || p + size > payload.length) {
          this.#bad();
          return;
        }
        this.#addNal(Buffer.from(payload.subarray(p, p + size)));
        p += size;
      }
    } else if (type === NAL.fuA) {
      if (payload.length < 3) return this.#bad();
      const fuHeader = payload[1]!;
      const start = (fuHeader & 0x80) !== 0;
      const stop = (fuHeader & 0x40) !== 0;
      if (start) {
        if (this.#fu) this.#bad(); // the previous FU-A never ended
        // The NAL header: F and NRI of the FU indicator, the type of the FU header (§5.8).
        this.#fu = [Buffer.from([(payload[0]! & 0xe0) | (fuHeader & 0x1f)])];
        this.#fuBytes = 1;
      } else if (!this.#fu) {
        return this.#bad();
      }
      const part = Buffer.from(payload.subarray(2));
      this.#fuBytes += part.length;
      if (this.#fuBytes > this.#maxNal) {
        this.#fu = undefined;
        this.#auBroken = true;
        return;
      }
      this.#fu.push(part);
      if (stop) {
        const nal = Buffer.concat(this.#fu, this.#fuBytes);
        this.#fu = undefined;
        this.#addNal(nal);
      }
    } else {
      this.#bad(); // STAP-B, MTAP16/24, FU-B: not in packetization mode 1 as sent here
    }
  }

  #bad(): void {
    this.#stats.badPackets += 1;
    this.#auBroken = true;
    this.#fu = undefined;
  }

  #addNal(nal: Buffer): void {
    if (this.#nals.length >= this.#maxNals || this.#auBytes + nal.length + 4 > this.#maxAu) {
      this.#auBroken = true;
      return;
    }
    this.#nals.push(nal);
    this.#auBytes += nal.length + 4;
  }

  /** Drops the access unit in progress; `count`: it held something and counts as dropped. */
  #dropInProgress(count: boolean): void {
    if (count && (this.#nals.length > 0 || this.#fu)) {
      this.#stats.droppedAccessUnits += 1;
      this.#dropped = true;
    }
    this.#nals = [];
    this.#auBytes = 0;
    this.#fu = undefined;
    this.#fuBytes = 0;
    this.#auBroken = false;
    this.#auTs = undefined;
  }

  #finish(ts: number): void {
    const nals = this.#nals;
    const broken = this.#auBroken || this.#fu !== undefined;
    this.#dropInProgress(false);
    if (nals.length === 0) return;
    if (broken) {
      this.#stats.droppedAccessUnits += 1;
      this.#dropped = true;
      this.#waitKeyframe = true;
      return;
    }
    let keyframe = false;
    let sps: Buffer | undefined;
    let pps: Buffer | undefined;
    const kept: Buffer[] = [];
    let bytes = 0;
    for (const nal of nals) {
      const type = nal[0]! & 0x1f;
      if (type === NAL.sps) sps = nal;
      else if (type === NAL.pps) pps = nal;
      else if (type !== NAL.aud) {
        if (type === NAL.idr) keyframe = true;
        kept.push(nal);
        bytes += 4 + nal.length;
      }
    }
    sps ??= this.#pendingSps;
    pps ??= this.#pendingPps;
    if (kept.length === 0) {
      // parameter sets alone: not a picture; they go with the next one
      this.#pendingSps = sps;
      this.#pendingPps = pps;
      return;
    }
    this.#pendingSps = undefined;
    this.#pendingPps = undefined;
    if (this.#waitKeyframe && !keyframe) {
      this.#stats.droppedAccessUnits += 1;
      if (this.#stats.accessUnits > 0) this.#dropped = true;
      return;
    }
    this.#waitKeyframe = false;
    const avc = Buffer.allocUnsafe(bytes);
    let p = 0;
    for (const nal of kept) {
      avc.writeUInt32BE(nal.length, p);
      nal.copy(avc, p + 4);
      p += 4 + nal.length;
    }
    this.#stats.accessUnits += 1;
    const discontinuity = this.#dropped;
    this.#dropped = false;
    this.#onAccessUnit({
      keyframe,
      discontinuity,
      timestampUs: (this.#unwrap(ts) * 1e6) / 90_000,
      receivedAtMs: Date.now(),
      avc,
      ...(sps ? { sps } : {}),
      ...(pps ? { pps } : {}),
    });
  }

  /** Extends the 32-bit RTP timestamp (RFC 3550 §5.1 wraps it) to a monotonic count of 90 kHz ticks. */
  #unwrap(ts: number): number {
    if (this.#lastTs32 === undefined) this.#extTs = ts;
    else this.#extTs += (ts - this.#lastTs32) | 0;
    this.#lastTs32 = ts;
    return this.#extTs;
  }
}
