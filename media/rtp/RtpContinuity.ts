/**
 * Rewrites an RTP stream in place so that it keeps one SSRC and continuous sequence numbers
 * and timestamps across source restarts. A restarted camerad starts a new RTP session
 * (new random SSRC, sequence number and timestamp base, RFC 3550 §5.1); viewers must not
 * notice, so each new input SSRC starts a new epoch whose offsets continue the output:
 * sequence number = last + 1, timestamp = last + elapsed wall time × clock rate.
 */
export class RtpContinuity {
  readonly #outputSsrc: number;
  readonly #clockRate: number;
  readonly #now: () => number;
  #inputSsrc: number | undefined;
  #seqOffset = 0;
  #tsOffset = 0;
  #lastSeq: number | undefined;
  #lastTs = 0;
  #lastAt = 0;
  #epochs = 0;

  /**
   * @param outputSsrc SSRC every output packet carries (u32).
   * @param clockRate RTP clock rate in Hz (90000 for video).
   * @param now clock in ms (injectable for tests).
   */
  constructor(outputSsrc: number, clockRate = 90_000, now: () => number = () => performance.now()) {
    this.#outputSsrc = outputSsrc >>> 0;
    this.#clockRate = clockRate;
    this.#now = now;
  }

  /** Number of input SSRCs seen (1 + restarts of the source). */
  get epochs(): number {
    return this.#epochs;
  }

  get outputSsrc(): number {
    return this.#outputSsrc;
  }

  /**
   * Rewrites SSRC, sequence number and timestamp of one RTP packet, in place.
   * @param packet a whole RTP packet (at least 12 bytes; shorter ones are left untouched).
   * @returns true when the packet began a new epoch (the source restarted).
   */
  rewrite(packet: Buffer): boolean {
    if (packet.length < 12) return false;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const ts = packet.readUInt32BE(4);
    const now = this.#now();
    let newEpoch = false;
    if (ssrc !== this.#inputSsrc) {
      newEpoch = true;
      this.#epochs += 1;
      this.#inputSsrc = ssrc;
      if (this.#lastSeq === undefined) {
        this.#seqOffset = 0;
        this.#tsOffset = 0;
      } else {
        const elapsedTicks = Math.max(1, Math.round(((now - this.#lastAt) * this.#clockRate) / 1000));
        this.#seqOffset = (this.#lastSeq + 1 - seq) & 0xffff;
        this.#tsOffset = (this.#lastTs + elapsedTicks - ts) >>> 0;
      }
    }
    const outSeq = (seq + this.#seqOffset) & 0xffff;
    const outTs = (ts + this.#tsOffset) >>> 0;
    packet.writeUInt16BE(outSeq, 2);
    packet.writeUInt32BE(outTs, 4);
    packet.writeUInt32BE(this.#outputSsrc, 8);
    this.#lastSeq = outSeq;
    this.#lastTs = outTs;
    this.#lastAt = now;
    return newEpoch;
  }
}
