/** Totals of one {@link RtpSequenceCounter}; all counts are packets since it was created. */
export interface RtpSequenceTotals {
  /** Datagrams counted, duplicates included. */
  packets: number;
  /** Bytes of those datagrams (SRTP: header + encrypted payload + auth tag). */
  bytes: number;
  /** Sequence numbers that never arrived: forward gaps, less the late packets that filled one. */
  lost: number;
  /** Packets whose sequence number had already arrived (not loss, not counted twice). */
  duplicates: number;
  /** Late packets that filled an earlier gap (arrived out of order). */
  reordered: number;
  /** Times the SSRC changed (each starts a new sequence space; loss before it is kept). */
  ssrcChanges: number;
  /** Extended highest sequence number of the current SSRC (RFC 3550 §6.4.1), -1 before any. */
  extendedHighest: number;
  /** SSRC of the last packet; null before any. */
  ssrc: number | null;
}

/** A sequence number more than this far ahead of the highest is taken as a late packet (16-bit wrap). */
const HALF = 0x8000;

/**
 * Counts RTP sequence gaps of one stream (RFC 3550 §A.1 sequence arithmetic, 16-bit wrap).
 *
 * lost = (extended highest − extended first + 1) − distinct sequence numbers received, so a
 * forward jump counts its gap, a late packet that fills a gap takes it back, and a duplicate
 * counts nothing. A map of which of the last 65 536 sequence numbers arrived tells late from
 * duplicate: advancing the highest clears the entries it skips, so every entry within 65 535
 * below the highest belongs to the current cycle. Cost: O(1) per packet plus O(gap) on a gap.
 */
export class RtpSequenceCounter {
  readonly #seen = new Uint8Array(0x10000);
  #packets = 0;
  #bytes = 0;
  #duplicates = 0;
  #reordered = 0;
  #ssrcChanges = 0;
  #ssrc: number | null = null;
  /** Extended sequence number of the first packet of the current SSRC. */
  #first = 0;
  #highest = -1;
  /** Distinct sequence numbers of the current SSRC. */
  #distinct = 0;
  /** Loss of earlier SSRCs. */
  #lostBefore = 0;

  /** Counts one RTP packet: its 16-bit sequence number, SSRC and size in bytes. */
  push(seq: number, ssrc: number, bytes: number): void {
    this.#packets += 1;
    this.#bytes += bytes;
    if (ssrc !== this.#ssrc) {
      if (this.#ssrc !== null) {
        this.#ssrcChanges += 1;
        this.#lostBefore += this.#lostNow();
      }
      this.#ssrc = ssrc;
      this.#seen.fill(0);
      this.#first = seq;
      this.#highest = seq;
      this.#distinct = 1;
      this.#seen[seq] = 1;
      return;
    }
    const delta = (seq - this.#highest) & 0xffff;
    if (delta !== 0 && delta < HALF) {
      // Ahead: mark the skipped numbers missing, this one present.
      for (let ext = this.#highest + 1; ext < this.#highest + delta; ext += 1) this.#seen[ext & 0xffff] = 0;
      this.#highest += delta;
      this.#seen[seq] = 1;
      this.#distinct += 1;
      return;
    }
    // At or behind the highest: a duplicate, a late packet, or one from before the first.
    const ext = this.#highest - ((this.#highest - seq) & 0xffff);
    if (ext < this.#first) return; // sent before the first one we saw: not part of our range
    if (this.#seen[seq] === 1) {
      this.#duplicates += 1;
      return;
    }
    this.#seen[seq] = 1;
    this.#distinct += 1;
    this.#reordered += 1;
  }

  #lostNow(): number {
    return this.#ssrc === null ? 0 : this.#highest - this.#first + 1 - this.#distinct;
  }

  totals(): RtpSequenceTotals {
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      lost: this.#lostBefore + this.#lostNow(),
      duplicates: this.#duplicates,
      reordered: this.#reordered,
      ssrcChanges: this.#ssrcChanges,
      extendedHighest: this.#highest,
      ssrc: this.#ssrc,
    };
  }
}
