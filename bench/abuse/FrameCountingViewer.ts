import { RTCPeerConnection } from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';

/**
 * One legitimate WebRTC viewer for a bench: a werift peer that receives (decrypts) the video and
 * counts whole frames by the RTP marker bit, which H.264 sets on the last packet of each access
 * unit (RFC 6184 §5.1). Nothing leaves 127.0.0.1 (`loopbackClientPeerConfig`).
 */
export class FrameCountingViewer {
  readonly #pc = new RTCPeerConnection(loopbackClientPeerConfig());
  #frames = 0;
  #location: string | undefined;
  #closed = false;

  /** Frames received so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Connection state of the peer. */
  get state(): string {
    return this.#pc.connectionState;
  }

  /**
   * 1. recvonly offer with its candidates, 2. WHEP POST (201 + answer + Location), 3. answer.
   * @param url WHEP endpoint on 127.0.0.1, e.g. `http://127.0.0.1:8080/whep/bench`.
   * @throws Error when the server does not answer 201.
   */
  async connect(url: string, headers: Record<string, string> = {}): Promise<void> {
    this.#pc.addTransceiver('video', { direction: 'recvonly' });
    this.#pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (rtp.header.marker) this.#frames += 1;
      });
    });
    // 1.
    await this.#pc.setLocalDescription(await this.#pc.createOffer());
    await gatheringComplete(this.#pc, 2000);
    // 2.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...headers },
      body: this.#pc.localDescription!.sdp,
      signal: AbortSignal.timeout(10_000),
    });
    const answer = await res.text();
    if (res.status !== 201) throw new Error(`WHEP POST ${url}: ${res.status} ${answer.slice(0, 200)}`);
    const location = res.headers.get('location');
    this.#location = location ? new URL(location, url).href : undefined;
    // 3.
    await this.#pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  /** WHEP DELETE (bounded to 2 s), then closes the peer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#location) {
      try {
        await fetch(this.#location, { method: 'DELETE', signal: AbortSignal.timeout(2000) });
      } catch (error) {
        // Teardown: the peer is closed below either way, and the server drops a silent viewer.
        process.stderr.write(`viewer: WHEP DELETE failed: ${(error as Error).message}\n`);
      }
    }
    await this.#pc.close();
  }
}
