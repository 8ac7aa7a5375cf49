import {
  GenericNack,
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpTransportLayerFeedback,
  type RtpPacket,
} from 'werift';

/**
 * A werift receive-only WebRTC client for tests and benches (a viewer without a browser).
 * werift falls back to stun.l.google.com when no STUN server is set, and a non-lite agent
 * gathers server-reflexive candidates; so the client is pointed at a closed loopback STUN port
 * with a 1 s gather timeout: nothing leaves 127.0.0.1.
 */
export class WeriftTestClient {
  readonly pc = new RTCPeerConnection({
    iceServers: [{ urls: 'stun:127.0.0.1:9' }],
    iceStunGatherTimeout: 1,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90_000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        }),
      ],
      audio: [],
    },
  });
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
    await new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 2000);
      this.pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
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
