import { RTCPeerConnection, RtcpReceiverInfo, RtcpRrPacket, type RTCRtpTransceiver } from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';
import { CountingReceive } from './CountingReceive.js';
import type { ViewerStats } from './LoadgenProtocol.js';

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

/**
 * A receive-only WHEP viewer for load generation: a werift peer whose receive path is a
 * {@link CountingReceive} (RTP sequence gaps counted on the encrypted datagrams, nothing
 * decrypted; that class says why and what follows).
 *
 * werift's receiver never sees RTP there, so it sends no receiver report of its own: this viewer
 * sends one (RFC 3550 §6.4.2) every second through the transport's SRTCP session, with true loss
 * and highest sequence, since the server (ICE-lite, which runs no consent checks) drops a viewer
 * that sends no RTCP for 15 s.
 *
 * werift looks up stun.l.google.com when no STUN server is set, and a full (non-lite) agent
 * gathers server-reflexive candidates; so the peer is pointed at a closed loopback STUN port
 * with a 1 s gather timeout, as in test/helpers/weriftClient.ts: nothing leaves 127.0.0.1.
 */
export class BenchViewer {
  readonly index: number;
  readonly #pc: RTCPeerConnection;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #receive = new CountingReceive();
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
    this.#receive.install(this.#transceiver.dtlsTransport);
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
      if (!viewer.#receive.isInstalled(viewer.#transceiver.dtlsTransport))
        throw new Error('werift replaced the DTLS transport: counting hook lost');
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
    return this.#receive.stats({
      index: this.index,
      state: this.#pc.connectionState,
      rtcpSent: this.#rtcpSent,
      rtcpErrors: this.#rtcpErrors,
    });
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

  /** One RTCP receiver report (RFC 3550 §6.4.2) with a report block once the SSRC is known. */
  #sendReceiverReport(): void {
    const transport = this.#transceiver.dtlsTransport;
    if (this.#closed || !transport.srtpStarted) return;
    const totals = this.#receive.totals();
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
