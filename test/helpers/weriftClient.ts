import { GenericNack, MediaStreamTrack, RTCPeerConnection, RtcpTransportLayerFeedback, type RtpPacket } from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';

/**
 * A werift receive-only WebRTC client for tests (a viewer without a browser), configured so that
 * no STUN lookup leaves 127.0.0.1 (`loopbackClientPeerConfig`).
 */
export class WeriftTestClient {
  readonly pc = new RTCPeerConnection(loopbackClientPeerConfig());

  readonly packets: RtpPacket[] = [];
  track: MediaStreamTrack | undefined;

  /** Creates the recvonly offer and waits for gathering (≤ 2 s). */
  async createOffer(): Promise<string> {
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.onTrack.subscribe((track) => {
      this.track = track;
      track.onReceiveRtp.subscribe((rtp) => {
        if (this.packets.length < 100_000) this.packets.push(rtp);
      });
    });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gatheringComplete(this.pc, 2000);
    return this.pc.localDescription!.sdp;
  }

  async setAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Sends a PLI (RFC 4585 §6.3.1) for the received stream. */
  sendPli(): void {
    const ssrc = this.packets[0]?.header.ssrc;
    const receiver = this.pc.getTransceivers()[0]?.receiver;
    if (ssrc !== undefined && receiver) void receiver.sendRtcpPLI(ssrc);
  }

  /** Sends a generic NACK (RFC 4585 §6.2.1) asking for `lost` sequence numbers again. */
  sendNack(lost: number[]): void {
    const ssrc = this.packets[0]?.header.ssrc;
    const receiver = this.pc.getTransceivers()[0]?.receiver;
    if (ssrc === undefined || !receiver) return;
    const feedback = new GenericNack({ senderSsrc: 1, mediaSourceSsrc: ssrc, lost });
    void receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback })]);
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

/** Polls `predicate` every 50 ms until true; rejects after `timeoutMs` (a hang guard, not a speed bound). */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
