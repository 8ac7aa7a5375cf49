import {
  RTCPeerConnection,
  RtcpReceiverInfo,
  RtcpRrPacket,
  type RTCDtlsTransport,
  type RTCRtpTransceiver,
} from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';
import type { ViewerStats } from './LoadgenProtocol.js';
import { RtpSequenceCounter } from './RtpSequenceCounter.js';

/** Options of {@link BenchViewer.connect}. */
export interface BenchViewerOptions {
  /** WHEP endpoint, e.g. `http://127.0.0.1:8080/whep/bench`. Must be on 127.0.0.1. */
  url: string;
  /** Viewer number within its load generator. */
  index: number;
  /** Interval between receiver reports, ms. Default 1000. */
  rtcpIntervalMs?: number;
  /** Give up the WHEP POST after this long, ms. Default 10 000. */
  requestTimeoutMs?: number;
}

/** Marks a DTLS transport whose SRTP receive path was replaced by {@link BenchViewer}. */
const CHEAP_RECEIVE = Symbol('benchViewerCheapReceive');

/**
 * A receive-only WHEP viewer for load generation: a werift peer that counts RTP sequence gaps
 * on the encrypted datagrams instead of decrypting them.
 *
 * Why and how (werift 0.25.2): once DTLS is up, `RTCDtlsTransport.startSrtp()` subscribes to
 * the ICE connection's `onData` and, for every datagram, decrypts it (AES-CM + HMAC-SHA1 in
 * JavaScript), parses it into an `RtpPacket`, routes it to the receiver, which feeds the NACK
 * generator and clones it for the track. That is most of what a werift viewer costs (measured
 * on a 2-core box: 1.5 % of a core per 2.5 Mbit/s viewer, against 0.35–0.4 % with the hook
 * below), and a load generator sharing two cores with the server cannot afford it at 50 viewers.
 * SRTP leaves the RTP header in the clear (RFC 3711 §3.1): sequence number and SSRC can be read
 * from the datagram as it arrives. So this class overrides `startSrtp` on its own transport
 * instance (not the prototype): it still derives the SRTP/SRTCP session keys from the DTLS
 * handshake (`updateSrtpSession`, needed to send SRTCP), but subscribes a counter instead of
 * the decrypting handler. Consequences, all intended:
 * - no payload is authenticated or decrypted (this is a load generator, not a player);
 * - werift's receiver never sees RTP, so it sends no NACK (the server retransmits nothing:
 *   `lost` is loss as delivered, unrepaired) and no receiver report of its own;
 * - so the viewer sends its own RTCP receiver report (RFC 3550 §6.4.2) every second through
 *   the transport's SRTCP session, with true loss and highest sequence: the server (ICE-lite,
 *   which runs no consent checks) drops a viewer that sends no RTCP for 15 s.
 * The RTP/RTCP split follows RFC 7983 §7 (first byte 128–191) and RFC 5761 §4 (second byte
 * 192–223 = RTCP). STUN (consent checks) and DTLS still go through werift as usual.
 *
 * werift looks up stun.l.google.com when no STUN server is set, and a full (non-lite) agent
 * gathers server-reflexive candidates; so the peer is pointed at a closed loopback STUN port
 * with a 1 s gather timeout, as in test/helpers/weriftClient.ts: nothing leaves 127.0.0.1.
 */
export class BenchViewer {
  readonly index: number;
  readonly #pc: RTCPeerConnection;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #counter = new RtpSequenceCounter();
  readonly #startedAt = performance.now();
  #firstPacketAt: number | undefined;
  #rtcpReceived = 0;
  #rtcpSent = 0;
  #rtcpErrors = 0;
  #location: string | undefined;
  #rtcpTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Loss and expected count at the last receiver report, for its fraction lost. */
  #lastReport = { lost: 0, expected: 0 };

  private constructor(index: number) {
    this.index = index;
    this.#pc = new RTCPeerConnection(loopbackClientPeerConfig());
    this.#transceiver = this.#pc.addTransceiver('video', { direction: 'recvonly' });
    this.#installCheapReceive(this.#transceiver.dtlsTransport);
  }

  /**
   * Joins: 1. recvonly offer, 2. WHEP POST, 3. answer applied; the receiver reports start.
   * Resolves once the answer is applied (media follows when ICE and DTLS are up).
   * @throws Error when the server refuses the offer or does not answer in time.
   */
  static async connect(options: BenchViewerOptions): Promise<BenchViewer> {
    const url = new URL(options.url);
    if (url.hostname !== '127.0.0.1') throw new TypeError(`url: benches stay on 127.0.0.1, got ${url.hostname}`);
    const viewer = new BenchViewer(options.index);
    try {
      // 1. Offer, with its candidates (no trickle).
      const pc = viewer.#pc;
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(viewer.#pc, 2000);
      // 2. WHEP POST (draft-ietf-wish-whep §4.2): 201, answer, Location.
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', accept: 'application/sdp' },
        body: pc.localDescription!.sdp,
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
      });
      const answer = await response.text();
      if (response.status !== 201) {
        throw new Error(`WHEP POST ${url.href}: ${response.status} ${answer.slice(0, 200)}`);
      }
      const location = response.headers.get('location');
      viewer.#location = location ? new URL(location, url).href : undefined;
      // 3. Answer; the transport must still be the one whose receive path was replaced.
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      const transport = viewer.#transceiver.dtlsTransport as RTCDtlsTransport & { [CHEAP_RECEIVE]?: true };
      if (!transport[CHEAP_RECEIVE]) throw new Error('werift replaced the DTLS transport: counting hook lost');
      viewer.#rtcpTimer = setInterval(() => viewer.#sendReceiverReport(), options.rtcpIntervalMs ?? 1000);
      return viewer;
    } catch (error) {
      await viewer.close();
      throw error;
    }
  }

  /** Connection state of the peer (werift's `connectionState`). */
  get state(): string {
    return this.#pc.connectionState;
  }

  stats(): ViewerStats {
    const totals = this.#counter.totals();
    return {
      index: this.index,
      state: this.#pc.connectionState,
      packets: totals.packets,
      bytes: totals.bytes,
      lost: totals.lost,
      duplicates: totals.duplicates,
      reordered: totals.reordered,
      ssrcChanges: totals.ssrcChanges,
      rtcpReceived: this.#rtcpReceived,
      rtcpSent: this.#rtcpSent,
      rtcpErrors: this.#rtcpErrors,
      firstPacketMs: this.#firstPacketAt === undefined ? null : Math.round(this.#firstPacketAt - this.#startedAt),
    };
  }

  /** WHEP DELETE (bounded to 2 s), then closes the peer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#rtcpTimer);
    if (this.#location) {
      try {
        await fetch(this.#location, { method: 'DELETE', signal: AbortSignal.timeout(2000) });
      } catch (error) {
        // Teardown: the peer is closed below either way; the server's RTCP timeout drops it.
        process.stderr.write(`viewer ${this.index}: WHEP DELETE failed: ${(error as Error).message}\n`);
      }
    }
    await this.#pc.close();
  }

  /** Replaces `startSrtp` on this transport instance (see the class comment). */
  #installCheapReceive(transport: RTCDtlsTransport): void {
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
      counter.push((data[2]! << 8) | data[3]!, data.readUInt32BE(8), data.length);
      if (this.#firstPacketAt === undefined) this.#firstPacketAt = performance.now();
    };
    const hooked = transport as RTCDtlsTransport & { [CHEAP_RECEIVE]?: true };
    hooked[CHEAP_RECEIVE] = true;
    hooked.startSrtp = function startSrtpCountingOnly(this: RTCDtlsTransport): void {
      if (this.srtpStarted) return;
      this.srtpStarted = true;
      this.updateSrtpSession(); // SRTP/SRTCP keys: the receiver reports are SRTCP
      this.iceTransport.connection.onData.subscribe(onDatagram);
    };
  }

  /** One RTCP receiver report (RFC 3550 §6.4.2) with a report block once the SSRC is known. */
  #sendReceiverReport(): void {
    const transport = this.#transceiver.dtlsTransport;
    if (this.#closed || !transport.srtpStarted) return;
    const totals = this.#counter.totals();
    const reports: RtcpReceiverInfo[] = [];
    if (totals.ssrc !== null) {
      const expected = totals.packets === 0 ? 0 : totals.extendedHighest + 1;
      const expectedInterval = expected - this.#lastReport.expected;
      const lostInterval = totals.lost - this.#lastReport.lost;
      this.#lastReport = { lost: totals.lost, expected };
      reports.push(
        new RtcpReceiverInfo({
          ssrc: totals.ssrc,
          // RFC 3550 §6.4.1: fraction lost in 1/256, cumulative lost as a 24-bit count.
          fractionLost:
            expectedInterval > 0 && lostInterval > 0 ? Math.min(255, (lostInterval * 256) / expectedInterval) | 0 : 0,
          packetsLost: Math.min(Math.max(totals.lost, 0), 0x7fffff),
          highestSequence: totals.extendedHighest >>> 0,
          jitter: 0,
          lsr: 0,
          dlsr: 0,
        }),
      );
    }
    const receiver = this.#transceiver.receiver;
    transport.sendRtcp([new RtcpRrPacket({ ssrc: receiver.rtcpSsrc, reports })]).then(
      () => {
        this.#rtcpSent += 1;
      },
      (error: unknown) => {
        this.#rtcpErrors += 1;
        if (this.#rtcpErrors === 1) {
          process.stderr.write(`viewer ${this.index}: receiver report failed: ${(error as Error).message}\n`);
        }
      },
    );
  }
}
