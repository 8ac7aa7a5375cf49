import type { RTCDtlsTransport } from 'werift';
import type { ViewerStats } from './LoadgenProtocol.js';
import { RtpSequenceCounter, type RtpSequenceTotals } from './RtpSequenceCounter.js';

/** Marks a DTLS transport whose SRTP receive path was replaced by a {@link CountingReceive}. */
const CHEAP_RECEIVE = Symbol('countingReceive');

type HookedTransport = RTCDtlsTransport & { [CHEAP_RECEIVE]?: true };

/** Options of {@link CountingReceive.install}. */
export interface CountingReceiveOptions {
  /**
   * Count only RTP of this payload type (0–127), e.g. 96 when the sender also sends an rtx
   * stream (its own SSRC and sequence) on 97; every RTP datagram counts when unset.
   */
  payloadType?: number;
}

/**
 * A bench viewer's receive path (bench/fanout/BenchViewer.ts, bench/janus/JanusBenchViewer.ts):
 * counts RTP sequence gaps on the encrypted datagrams instead of decrypting them, and owns the
 * counters a viewer reports ({@link stats}). One instance per viewer.
 *
 * Why and how (werift 0.25.2): once DTLS is up, `RTCDtlsTransport.startSrtp()` subscribes to
 * the ICE connection's `onData` and, for every datagram, decrypts it (AES-CM + HMAC-SHA1 in
 * JavaScript), parses it into an `RtpPacket`, routes it to the receiver, which feeds the NACK
 * generator and clones it for the track. That is most of what a werift viewer costs (measured
 * on a 2-core box: 1.5 % of a core per 2.5 Mbit/s viewer, against 0.35–0.4 % with the hook
 * below), and a load generator sharing two cores with the server cannot afford it at 50 viewers.
 * SRTP leaves the RTP header in the clear (RFC 3711 §3.1): sequence number and SSRC can be read
 * from the datagram as it arrives. So {@link install} overrides `startSrtp` on one transport
 * instance (not the prototype): it still derives the SRTP/SRTCP session keys from the DTLS
 * handshake (`updateSrtpSession`, needed to send SRTCP), but subscribes a counter instead of
 * the decrypting handler. Consequences, all intended:
 * - no payload is authenticated or decrypted (this is a load generator, not a player);
 * - werift's receiver never sees RTP, so it sends no NACK (the sender retransmits nothing:
 *   `lost` is loss as delivered, unrepaired) and no receiver report of its own: a viewer whose
 *   sender drops silent peers sends its own (BenchViewer does, RFC 3550 §6.4.2).
 * The RTP/RTCP split follows RFC 7983 §7 (first byte 128–191) and RFC 5761 §4 (second byte
 * 192–223 = RTCP). STUN (consent checks) and DTLS still go through werift as usual.
 */
export class CountingReceive {
  readonly #counter = new RtpSequenceCounter();
  readonly #startedAt = performance.now();
  #firstPacketAt: number | undefined;
  #rtcpReceived = 0;

  /**
   * Replaces `startSrtp` on `transport` with the counting receive path. Idempotent: a transport
   * already hooked (by any CountingReceive) is left as it is.
   */
  install(transport: RTCDtlsTransport, options: CountingReceiveOptions = {}): void {
    const hooked = transport as HookedTransport;
    if (hooked[CHEAP_RECEIVE]) return;
    hooked[CHEAP_RECEIVE] = true;
    const { payloadType } = options;
    const counter = this.#counter;
    const onDatagram = (data: Buffer): void => {
      const b0 = data[0]!;
      if (b0 < 128 || b0 > 191) return; // not RTP/RTCP: STUN or DTLS, werift handles those
      const b1 = data[1]!;
      if (b1 >= 192 && b1 <= 223) {
        this.#rtcpReceived += 1;
        return;
      }
      if (data.length < 12) return;
      if (payloadType !== undefined && (b1 & 0x7f) !== payloadType) return;
      counter.push((data[2]! << 8) | data[3]!, data.readUInt32BE(8), data.length);
      if (this.#firstPacketAt === undefined) this.#firstPacketAt = performance.now();
    };
    hooked.startSrtp = function startSrtpCountingOnly(this: RTCDtlsTransport): void {
      if (this.srtpStarted) return;
      this.srtpStarted = true;
      this.updateSrtpSession(); // SRTP/SRTCP keys: receiver reports are SRTCP
      this.iceTransport.connection.onData.subscribe(onDatagram);
    };
  }

  /** True when `transport`'s receive path is the counting one (werift may replace a transport). */
  isInstalled(transport: RTCDtlsTransport): boolean {
    return (transport as HookedTransport)[CHEAP_RECEIVE] === true;
  }

  /** The RTP counters so far (sequence, loss, SSRC), e.g. for a receiver report. */
  totals(): RtpSequenceTotals {
    return this.#counter.totals();
  }

  /**
   * The viewer's {@link ViewerStats}: the counters here, plus what the viewer itself knows.
   * `firstPacketMs` is from this object's creation (the viewer's start) to the first RTP, ms.
   */
  stats(viewer: Pick<ViewerStats, 'index' | 'state' | 'rtcpSent' | 'rtcpErrors'>): ViewerStats {
    const totals = this.#counter.totals();
    return {
      index: viewer.index,
      state: viewer.state,
      packets: totals.packets,
      bytes: totals.bytes,
      lost: totals.lost,
      duplicates: totals.duplicates,
      reordered: totals.reordered,
      ssrcChanges: totals.ssrcChanges,
      rtcpReceived: this.#rtcpReceived,
      rtcpSent: viewer.rtcpSent,
      rtcpErrors: viewer.rtcpErrors,
      firstPacketMs: this.#firstPacketAt === undefined ? null : Math.round(this.#firstPacketAt - this.#startedAt),
    };
  }
}
