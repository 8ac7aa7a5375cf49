import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  MediaStreamTrack,
  PictureLossIndication,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  type RTCRtpReceiver,
  type RTCRtpSender,
  type RtcpPacket,
} from 'werift';
import { BadRequestError } from '../../core/errors.js';
import { startsKeyframe } from '../../rtp/h264.js';
import type { RemoteCandidate, SfuCamera, SfuNetworkOptions, ViewerInfo, ViewerState } from '../SfuTypes.js';
import { announceCandidates, weriftPeerConfig } from './weriftConfig.js';

/**
 * One browser watching one camera through werift. Packets are withheld until the first packet
 * that starts a keyframe (SPS or IDR) after DTLS is up, so the decoder never starts mid-GOP;
 * a keyframe is requested on join, when the connection comes up, and on every PLI.
 */
export class WeriftViewer {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  readonly #camera: SfuCamera;
  readonly #logger: Logger;
  readonly #pc: RTCPeerConnection;
  readonly #track = new MediaStreamTrack({ kind: 'video' });
  #sender: RTCRtpSender | undefined;
  #receiver: RTCRtpReceiver | undefined;
  #unsubscribe: (() => void) | undefined;
  #state: ViewerState = 'new';
  #waitingForKeyframe = true;
  #packetsSent = 0;
  #plis = 0;
  #lastRtcpAt = Date.now();
  #watchdog: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onClose: (viewer: WeriftViewer) => void;

  constructor(
    camera: SfuCamera,
    readonly network: SfuNetworkOptions,
    logger: Logger,
    onClose: (viewer: WeriftViewer) => void,
  ) {
    this.#camera = camera;
    this.#logger = logger.child({ viewer: this.id });
    this.#onClose = onClose;
    this.#pc = new RTCPeerConnection(weriftPeerConfig(network));
  }

  get info(): ViewerInfo {
    return {
      id: this.id,
      cameraId: this.#camera.id,
      state: this.#state,
      createdAt: this.createdAt,
      packetsSent: this.#packetsSent,
      plis: this.#plis,
    };
  }

  /**
   * Negotiates with the browser's offer and starts forwarding.
   * 1. set the offer, 2. attach our send-only track to its video m-line, 3. answer,
   * 4. wait for host candidates, 5. subscribe to the camera's RTP.
   * @returns the answer SDP with the announced candidates.
   * @throws BadRequestError when werift rejects the offer or it has no video section.
   */
  async negotiate(offerSdp: string): Promise<string> {
    try {
      // 1. set offer
      await this.#pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      // 2. attach the track to the offered video transceiver
      const transceiver = this.#pc.getTransceivers().find((t) => t.kind === 'video');
      if (!transceiver) throw new BadRequestError('offer has no video m-line', 'sdp');
      transceiver.setDirection('sendonly');
      await transceiver.sender.replaceTrack(this.#track);
      this.#sender = transceiver.sender;
      this.#receiver = transceiver.receiver;
      // 3. answer
      const answer = await this.#pc.createAnswer();
      await this.#pc.setLocalDescription(answer);
    } catch (error) {
      this.close();
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError(`offer rejected: ${(error as Error).message}`, 'sdp');
    }
    // 4. host candidates (ICE-lite: no STUN, so gathering completes at once)
    await this.#gatheringComplete(2000);
    this.#watch();
    // 5. forward
    this.#unsubscribe = this.#camera.source.subscribe((packet) => this.#forward(packet));
    this.#camera.requestKeyframe('viewer-join');
    const sdp = this.#pc.localDescription?.sdp ?? '';
    return announceCandidates(sdp, this.network.announcedAddresses);
  }

  /** Adds trickled candidates; `.local` (mDNS) ones are skipped so no multicast lookup is made. */
  async addCandidates(candidates: RemoteCandidate[]): Promise<void> {
    for (const c of candidates) {
      if (/\s\S+\.local\s/.test(c.candidate)) continue;
      await this.#pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.mid, sdpMLineIndex: c.mLineIndex });
    }
  }

  /** Stops forwarding and closes the peer connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state = 'closed';
    this.#unsubscribe?.();
    clearInterval(this.#watchdog);
    this.#pc.close().catch((error: unknown) => this.#logger.debug({ err: error }, 'peer connection close failed'));
    this.#onClose(this);
  }

  #forward(packet: Buffer): void {
    if (this.#waitingForKeyframe) {
      if (this.#state !== 'connected' || !startsKeyframe(packet)) return;
      this.#waitingForKeyframe = false;
      this.#logger.debug('first keyframe forwarded');
    }
    this.#packetsSent += 1;
    this.#track.writeRtp(packet);
  }

  #watch(): void {
    this.#state = 'connecting';
    this.#pc.connectionStateChange.subscribe((state) => {
      this.#logger.debug({ state }, 'viewer connection state');
      if (state === 'connected' && this.#state !== 'connected') {
        this.#state = 'connected';
        this.#lastRtcpAt = Date.now();
        this.#camera.requestKeyframe('viewer-connected');
      } else if (state === 'failed' || state === 'closed') {
        this.close();
      }
    });
    this.#sender?.onRtcp.subscribe(() => {
      this.#lastRtcpAt = Date.now();
    });
    // werift's RTCP router looks a PLI up by the viewer's sender SSRC first, so a viewer that
    // declared its SSRC in the offer has its PLI handed to our receiver, not our sender.
    // Listening on both catches either path (a PLI never reaches both).
    this.#sender?.onPictureLossIndication.subscribe(() => this.#onPli());
    this.#receiver?.onRtcp.subscribe((packet: RtcpPacket) => {
      this.#lastRtcpAt = Date.now();
      if (packet.type === RtcpPayloadSpecificFeedback.type && packet.feedback.count === PictureLossIndication.count) {
        this.#onPli();
      }
    });
    // ICE-lite runs no consent checks of its own (RFC 8445 §2.5): a viewer that went away
    // without DELETE is only noticed by its silence.
    this.#watchdog = setInterval(() => {
      if (Date.now() - this.#lastRtcpAt > this.network.viewerTimeoutMs) {
        this.#logger.info({ timeoutMs: this.network.viewerTimeoutMs }, 'viewer sent no RTCP, dropping it');
        this.close();
      }
    }, 1000);
    this.#watchdog.unref();
  }

  #onPli(): void {
    this.#plis += 1;
    this.#camera.requestKeyframe('pli');
  }

  async #gatheringComplete(timeoutMs: number): Promise<void> {
    if (this.#pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
}
