import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  GenericNack,
  MediaStreamTrack,
  PictureLossIndication,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  RtcpTransportLayerFeedback,
  type RTCRtpReceiver,
  type RTCRtpSender,
  type RtcpPacket,
} from 'werift';
import { BadRequestError } from '../../core/errors.js';
import { RtpRingReader } from '../../rtp/RtpRingReader.js';
import { SrtpProtector } from '../../srtp/SrtpProtector.js';
import type { KeyframeReason, RemoteCandidate, SfuNetworkOptions, ViewerInfo, ViewerState } from '../SfuTypes.js';
import { localSrtpContext, srtpKeysOf } from './srtpKeys.js';
import { announceCandidates, gatheringComplete, relayIceServers, weriftPeerConfig } from './weriftConfig.js';

/**
 * Pace of the GOP-cache replay: packets per tick (plus those that arrived meanwhile) and tick
 * length, ms: about 2000 packets/s, 19 Mbit/s at 1200 bytes. Sent in one burst, a 2 s GOP at
 * 2.5 Mbit/s (≈430 packets) overflowed even a loopback viewer's socket and cost a round of NACKs;
 * paced, its IDR (the first ≈40 packets) still arrives within ≈20 ms.
 */
const REPLAY_PACKETS_PER_TICK = 10;
const REPLAY_TICK_MS = 5;

/** A send that fails (the 5-tuple went away) is noticed by ICE/DTLS state, not per packet. */
const ignoreSendError = (): void => undefined;

/** What a viewer needs from its camera's feed on its thread. */
export interface ViewerFeed {
  readonly cameraId: string;
  readonly reader: RtpRingReader;
  /** Next ring index the feed will deliver (everything before it has been delivered). */
  readonly cursor: number;
  requestKeyframe(reason: KeyframeReason): void;
}

/** Callbacks of a viewer to its host. */
export interface ViewerCallbacks {
  /** The viewer closed (once). */
  closed(viewer: WeriftViewer): void;
  /** The viewer's state changed. */
  changed(viewer: WeriftViewer): void;
}

/**
 * One browser watching one camera. werift does the signalling, ICE, DTLS and RTCP; the media
 * path is ours: each packet is read from the camera's shared ring ({@link RtpRingReader}),
 * its header copied and rewritten for this viewer (SSRC, payload type, sequence number) and
 * its payload encrypted straight from the ring by {@link SrtpProtector} with the keys werift
 * negotiated. That skips werift's per-viewer parse, clone, re-serialise and bookkeeping
 * (MEDIA-NOTES.md: ≈3.4 % of a core per 2.5 Mbit/s viewer that way).
 *
 * Start-up: when DTLS is up, the viewer is sent the GOP cache (the ring from the newest
 * keyframe on, paced), so its decoder starts at once; without a cached keyframe it waits for the
 * next SPS/IDR and asks for one. Sequence numbers are this viewer's own, continuous from the
 * replayed packets into the live ones. PLIs become (rate-limited) keyframe requests; NACKed
 * packets still in the ring are sent again with their original sequence numbers.
 */
export class WeriftViewer {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  readonly #feed: ViewerFeed;
  readonly #thread: number;
  readonly #logger: Logger;
  readonly #pc: RTCPeerConnection;
  readonly #track = new MediaStreamTrack({ kind: 'video' });
  readonly #callbacks: ViewerCallbacks;
  #sender: RTCRtpSender | undefined;
  #receiver: RTCRtpReceiver | undefined;
  #protector: SrtpProtector | undefined;
  #send: ((packet: Buffer) => Promise<void>) | undefined;
  #ssrc = 0;
  #payloadType = 96;
  #state: ViewerState = 'new';
  /** Sending started (DTLS up, keys known). */
  #live = false;
  #waitingForKeyframe = true;
  /** Ring index of the next packet to send. */
  #next = 0;
  /** This viewer's extended sequence number (ROC·2^16 + SEQ, RFC 3711 §3.3.1) of the last packet sent. */
  #outIndex = Math.floor(Math.random() * 0x8000);
  /** Ring index of the last packet sent. */
  #lastIndex = -1;
  #packetsSent = 0;
  #replayed = 0;
  #retransmits = 0;
  #skipped = 0;
  #plis = 0;
  #lastRtcpAt = Date.now();
  #watchdog: NodeJS.Timeout | undefined;
  /** Pending step of the GOP-cache replay; undefined once live. */
  #replay: NodeJS.Timeout | undefined;
  #closed = false;
  /** Full ICE with a relay of our own (`network.relay`), else ICE-lite. */
  readonly #fullIce: boolean;

  constructor(
    feed: ViewerFeed,
    readonly network: SfuNetworkOptions,
    thread: number,
    logger: Logger,
    callbacks: ViewerCallbacks,
  ) {
    this.#feed = feed;
    this.#thread = thread;
    this.#logger = logger.child({ viewer: this.id });
    this.#callbacks = callbacks;
    // Full ICE with the box's own relay (webrtc.serverRelay): a credential minted for the box.
    this.#fullIce = network.relay !== undefined;
    const relay = network.relay ? relayIceServers(network.relay, 'box') : undefined;
    this.#pc = new RTCPeerConnection(weriftPeerConfig(network, relay));
  }

  get info(): ViewerInfo {
    return {
      id: this.id,
      cameraId: this.#feed.cameraId,
      state: this.#state,
      createdAt: this.createdAt,
      packetsSent: this.#packetsSent,
      replayedPackets: this.#replayed,
      retransmits: this.#retransmits,
      skippedPackets: this.#skipped,
      plis: this.#plis,
      thread: this.#thread,
      candidateType: this.#selectedCandidateType(),
    };
  }

  /** Type of the local candidate of the selected pair (`host`, `srflx`, `relay`), or null before one is selected. */
  #selectedCandidateType(): string | null {
    const connection = this.#sender?.dtlsTransport?.iceTransport.connection;
    return connection?.nominated?.localCandidate.type ?? null;
  }

  /**
   * Negotiates with the browser's offer: 1. set the offer, 2. attach our send-only track to its
   * video m-line, 3. answer, 4. wait for host candidates. Media starts when DTLS is up.
   * @returns the answer SDP with the announced candidates.
   * @throws BadRequestError when werift rejects the offer or it has no video section.
   */
  async negotiate(offerSdp: string): Promise<string> {
    try {
      await this.#pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      const transceiver = this.#pc.getTransceivers().find((t) => t.kind === 'video');
      if (!transceiver) throw new BadRequestError('offer has no video m-line', 'sdp');
      transceiver.setDirection('sendonly');
      await transceiver.sender.replaceTrack(this.#track);
      this.#sender = transceiver.sender;
      this.#receiver = transceiver.receiver;
      await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    } catch (error) {
      this.close();
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError(`offer rejected: ${(error as Error).message}`, 'sdp');
    }
    // ICE-lite: no STUN, so gathering completes at once. Full ICE waits for the relay
    // allocation (werift gives up on STUN after 2 s, on the TURN connection after 3 s).
    await gatheringComplete(this.#pc, this.#fullIce ? 6000 : 2000);
    this.#watch();
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

  /**
   * Sends ring packet `index` (called by the feed for every packet, in order). Allocates one
   * output buffer; the payload is encrypted straight from the shared slot.
   */
  deliver(index: number): void {
    // While the GOP cache is being replayed, the replay sends this packet in its turn.
    if (!this.#live || this.#replay !== undefined || RtpRingReader.distance(this.#next, index) < 0) return;
    this.#forward(index);
  }

  /** Sends ring packet `index` with its accounting (sequence gaps, counters). */
  #forward(index: number): void {
    const reader = this.#feed.reader;
    if (this.#waitingForKeyframe) {
      if (!reader.startsKeyframe(index)) {
        this.#next = (index + 1) >>> 0;
        return;
      }
      this.#waitingForKeyframe = false;
      this.#logger.debug('first keyframe forwarded');
    }
    const gap = this.#lastIndex < 0 ? 1 : RtpRingReader.distance(this.#lastIndex, index);
    if (gap > 1) this.#skipped += gap - 1;
    this.#outIndex += gap;
    this.#lastIndex = index;
    this.#next = (index + 1) >>> 0;
    this.#transmit(index, this.#outIndex);
    this.#packetsSent += 1;
  }

  /** Stops sending and closes the peer connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#replay);
    this.#replay = undefined;
    this.#state = 'closed';
    clearInterval(this.#watchdog);
    this.#pc.close().catch((error: unknown) => this.#logger.debug({ err: error }, 'peer connection close failed'));
    this.#callbacks.closed(this);
  }

  /** Encrypts and sends one ring packet under extended sequence number `outIndex`. */
  #transmit(index: number, outIndex: number): void {
    const reader = this.#feed.reader;
    const slot = reader.packet(index);
    const length = reader.length(index);
    const headerLength = reader.headerLength(index);
    const protector = this.#protector!;
    const out = Buffer.allocUnsafe(length + protector.tagLength);
    slot.copy(out, 0, 0, headerLength);
    out[1] = (out[1]! & 0x80) | this.#payloadType; // keep the marker bit
    out.writeUInt16BE(outIndex & 0xffff, 2);
    out.writeUInt32BE(this.#ssrc, 8);
    const size = protector.protect(
      out,
      headerLength,
      slot.subarray(headerLength, length),
      Math.floor(outIndex / 65536),
    );
    this.#send!(out.subarray(0, size)).catch(ignoreSendError);
  }

  /** DTLS is up: take the SRTP keys and the 5-tuple, then replay the GOP cache or wait for an IDR. */
  #start(): void {
    const transport = this.#sender?.dtlsTransport;
    const context = transport ? localSrtpContext(transport) : undefined;
    const codec = this.#sender?.codec;
    if (!transport || !context || !codec) {
      this.#logger.warn('connected without SRTP keys or codec; closing the viewer');
      this.close();
      return;
    }
    this.#protector = new SrtpProtector(srtpKeysOf(context));
    const connection = transport.iceTransport.connection;
    this.#send = (packet) => connection.send(packet);
    this.#ssrc = this.#sender!.ssrc;
    this.#payloadType = codec.payloadType;
    this.#live = true;
    const reader = this.#feed.reader;
    const keyframe = reader.keyframeIndex();
    const cursor = this.#feed.cursor;
    if (keyframe >= 0 && RtpRingReader.distance(keyframe, cursor) >= 0) {
      // GOP cache: everything from the newest keyframe on, paced, then live.
      this.#waitingForKeyframe = false;
      this.#next = keyframe;
      this.#replayStep(cursor);
    } else {
      this.#next = cursor;
      this.#feed.requestKeyframe('viewer-join');
    }
  }

  /**
   * Sends the next slice of the GOP cache: {@link REPLAY_PACKETS_PER_TICK} packets plus as many as
   * arrived since the last tick (so it always gains on live), every {@link REPLAY_TICK_MS}. Live
   * packets wait their turn (`deliver` skips them) until the replay reaches the feed's cursor.
   * @param lastCursor the feed's cursor at the previous step.
   */
  #replayStep(lastCursor: number): void {
    this.#replay = undefined;
    if (!this.#live) return;
    const cursor = this.#feed.cursor;
    let budget = REPLAY_PACKETS_PER_TICK + RtpRingReader.distance(lastCursor, cursor);
    while (this.#next !== cursor && budget-- > 0) {
      this.#forward(this.#next);
      this.#replayed += 1;
    }
    if (this.#next === cursor) {
      this.#logger.debug({ replayed: this.#replayed }, 'GOP cache replayed');
      return;
    }
    this.#replay = setTimeout(() => this.#replayStep(cursor), REPLAY_TICK_MS);
  }

  #watch(): void {
    this.#state = 'connecting';
    this.#pc.connectionStateChange.subscribe((state) => {
      this.#logger.debug({ state }, 'viewer connection state');
      if (state === 'connected' && this.#state !== 'connected') {
        this.#state = 'connected';
        this.#lastRtcpAt = Date.now();
        this.#start();
        this.#callbacks.changed(this);
      } else if (state === 'failed' || state === 'closed') {
        this.close();
      }
    });
    this.#sender?.onRtcp.subscribe((packet: RtcpPacket) => this.#onRtcp(packet));
    // werift's RTCP router looks a PLI up by the viewer's sender SSRC first, so a viewer that
    // declared its SSRC in the offer has its feedback handed to our receiver, not our sender.
    // Listening on both catches either path (a packet never reaches both).
    this.#receiver?.onRtcp.subscribe((packet: RtcpPacket) => this.#onRtcp(packet));
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

  #onRtcp(packet: RtcpPacket): void {
    this.#lastRtcpAt = Date.now();
    if (packet.type === RtcpPayloadSpecificFeedback.type && packet.feedback.count === PictureLossIndication.count) {
      this.#plis += 1;
      this.#feed.requestKeyframe('pli');
    } else if (packet.type === RtcpTransportLayerFeedback.type && packet.feedback instanceof GenericNack) {
      this.#retransmit(packet.feedback.lost);
    }
  }

  /** Sends NACKed packets again (same sequence numbers) when the ring still holds them. */
  #retransmit(lost: number[]): void {
    if (!this.#live || this.#lastIndex < 0) return;
    const reader = this.#feed.reader;
    for (const seq of lost) {
      const back = (this.#outIndex - seq) & 0xffff;
      const index = (this.#lastIndex - back) >>> 0;
      if (!reader.available(index)) continue; // newest half ring only; a wrapped (future) seq is never available
      this.#transmit(index, this.#outIndex - back);
      this.#retransmits += 1;
    }
  }
}
