import { rtpPayloadOffset } from '../rtp/h264.js';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { SrtpProtector } from '../srtp/SrtpProtector.js';
import { deriveSrtpSessionKeys } from '../srtp/srtpKdf.js';
import type { KeyframeReason } from '../sfu/SfuTypes.js';
import type { JanusApiClient } from './JanusApiClient.js';

/** The part of a camera a forwarder uses (media/camera/Camera.ts). */
export interface JanusCameraSource {
  readonly id: string;
  /** The ingest's rewritten RTP (one SSRC, continuous sequence numbers); returns the unsubscribe. */
  subscribeRtp(listener: (packet: Buffer) => void, onRestart?: () => void): () => void;
  requestKeyframe(reason: KeyframeReason): void;
}

/** Options of {@link JanusForwarder}. */
export interface JanusForwarderOptions {
  /** Where Janus receives the RTP (host name or address, as the box reaches it). */
  rtpHost: string;
  /** Janus binds the mountpoint's port on this (`iface`); undefined: Janus's default. */
  rtpInterface: string | undefined;
  /** Encrypt with SRTP (AES_CM_128_HMAC_SHA1_80, Streaming `srtpsuite` 80). */
  srtp: boolean;
  /** The Streaming plugin's `admin_key`, when Janus has one. */
  streamingAdminKey: string | undefined;
  /** H.264 profile-level-id of the encode (media/sfu/werift/weriftConfig.ts `H264_PROFILES[0]`). */
  profileLevelId: string;
}

/** What a viewer needs to watch the mountpoint (the pin is the mountpoint's watch secret). */
export interface JanusMountpoint {
  id: number;
  pin: string;
}

/** Counters of one forwarder. */
export interface JanusForwardStats {
  /** True while a mountpoint exists and packets go to it. */
  up: boolean;
  packets: number;
  bytes: number;
  /** Packets not sent: no mountpoint yet, or more than the send queue's bound in flight. */
  dropped: number;
  /** Mountpoints created (the first and each re-creation after a Janus restart). */
  creations: number;
}

/** A second keyframe request this long after a token is minted, when the viewer is likely connected, ms. */
const JOIN_KEYFRAME_DELAY_MS = 1000;

/** Forgotten mountpoints remembered for destruction. */
const MAX_STALE = 4;

/** Packets waiting in the socket's send queue, at most; beyond it a packet is dropped (never queued in Node). */
const MAX_SEND_QUEUE = 512;

/**
 * Forwards one camera's program encode (the ingest's rewritten RTP: one SSRC, continuous
 * sequence numbers across camerad restarts) to a Janus Streaming plugin RTP mountpoint it
 * creates: `type: rtp`, one H.264 video medium (pt 96, packetization-mode 1 and the encoder's
 * profile-level-id), `is_private`, a `secret` for editing and a `pin` every viewer must give,
 * both drawn here (128 bits), and with `srtp` a fresh SRTP master key (Streaming `srtpsuite`
 * 80 / `srtpcrypto`). Each {@link create} draws new id, secrets and keys: a mountpoint of an
 * earlier Janus run is never edited.
 *
 * Keyframes: a viewer that joins gets a picture at the next IDR. camerad sends one every
 * `keyframeInterval` frames (2 s at the defaults); the forwarder asks for one when a mountpoint
 * is created and {@link requestKeyframe} when a token is minted (a viewer is about to join), and
 * once more a second later.
 *
 * Sending is bounded: at most 512 packets in the socket's queue; beyond it packets are dropped
 * and counted. {@link close} is idempotent.
 */
export class JanusForwarder {
  readonly cameraId: string;
  readonly #camera: JanusCameraSource;
  readonly #options: JanusForwarderOptions;
  readonly #socket: Socket;
  readonly #unsubscribe: () => void;
  #mountpoint: (JanusMountpoint & { secret: string; port: number }) | undefined;
  #protector: SrtpProtector | undefined;
  #roc = 0;
  #lastSeq = -1;
  /** The socket is connected to a mountpoint's port (the host name is resolved once, there). */
  #connected = false;
  #closed = false;
  #joinTimer: NodeJS.Timeout | undefined;
  /** Mountpoints forgotten and not yet destroyed in Janus, at most {@link MAX_STALE}. */
  readonly #stale: { id: number; secret: string }[] = [];
  readonly #stats: Omit<JanusForwardStats, 'up'> = { packets: 0, bytes: 0, dropped: 0, creations: 0 };

  constructor(camera: JanusCameraSource, options: JanusForwarderOptions) {
    this.cameraId = camera.id;
    this.#camera = camera;
    this.#options = options;
    this.#socket = createSocket(options.rtpHost.includes(':') ? 'udp6' : 'udp4');
    this.#socket.on('error', () => undefined);
    this.#unsubscribe = camera.subscribeRtp((packet) => this.#send(packet));
  }

  /** The mountpoint viewers watch, undefined while none exists. */
  get mountpoint(): JanusMountpoint | undefined {
    const m = this.#mountpoint;
    return m ? { id: m.id, pin: m.pin } : undefined;
  }

  get stats(): JanusForwardStats {
    return { ...this.#stats, up: this.#mountpoint !== undefined };
  }

  /**
   * Creates the mountpoint through `api` and starts sending to its port.
   * @throws JanusError when Janus refuses (e.g. 457 wrong admin_key) or is unreachable.
   */
  async create(api: JanusApiClient): Promise<void> {
    this.forget();
    // Earlier mountpoints Janus may still have (455 "no such mountpoint" after a restart).
    for (const old of this.#stale.splice(0)) {
      await api
        .request({ request: 'destroy', id: old.id, secret: old.secret, permanent: false })
        .catch(() => undefined);
    }
    // 1..2^31-1, from raw bytes rather than randomInt (its floating-point rejection loop hangs in
    // a process whose x87 stack a native addon left full: see media/rtp/RtpIngest.ts).
    const id = randomBytes(4).readUInt32BE(0) >>> 1 || 1;
    const secret = randomBytes(16).toString('hex');
    const pin = randomBytes(16).toString('hex');
    let srtp: { srtpsuite: number; srtpcrypto: string } | undefined;
    let protector: SrtpProtector | undefined;
    if (this.#options.srtp) {
      const master = randomBytes(30);
      srtp = { srtpsuite: 80, srtpcrypto: master.toString('base64') };
      protector = new SrtpProtector(deriveSrtpSessionKeys(master.subarray(0, 16), master.subarray(16)));
    }
    const reply = await api.request({
      request: 'create',
      type: 'rtp',
      id,
      name: `camera-${this.cameraId}`,
      description: this.cameraId,
      is_private: true,
      permanent: false,
      secret,
      pin,
      ...(this.#options.streamingAdminKey !== undefined ? { admin_key: this.#options.streamingAdminKey } : {}),
      media: [
        {
          type: 'video',
          mid: 'v',
          port: 0,
          pt: 96,
          codec: 'h264',
          fmtp: `packetization-mode=1;profile-level-id=${this.#options.profileLevelId}`,
          ...(this.#options.rtpInterface !== undefined ? { iface: this.#options.rtpInterface } : {}),
        },
      ],
      ...srtp,
    });
    const stream = reply.stream as { ports?: { port: number }[] } | undefined;
    const port = stream?.ports?.[0]?.port;
    if (typeof port !== 'number') throw new Error(`Janus created mountpoint ${id} without a port`);
    if (!this.#closed) await this.#connect(port);
    if (this.#closed) {
      // Closed while Janus was creating it: nobody would ever destroy it.
      await api.request({ request: 'destroy', id, secret, permanent: false }).catch(() => undefined);
      return;
    }
    this.#protector = protector;
    this.#roc = 0;
    this.#lastSeq = -1;
    this.#mountpoint = { id, pin, secret, port };
    this.#stats.creations++;
    this.#camera.requestKeyframe('viewer-join');
  }

  /**
   * Asks the camera for an IDR now and again {@link JOIN_KEYFRAME_DELAY_MS} later (a viewer is
   * joining: its token was just minted, its ICE and DTLS take about a second). The camera
   * rate-limits requests (`camerad.keyframeMinIntervalMs`), so many joins cost few IDRs.
   */
  requestKeyframe(): void {
    if (!this.#mountpoint) return;
    this.#camera.requestKeyframe('viewer-join');
    if (this.#joinTimer) return;
    this.#joinTimer = setTimeout(() => {
      this.#joinTimer = undefined;
      if (this.#mountpoint && !this.#closed) this.#camera.requestKeyframe('viewer-join');
    }, JOIN_KEYFRAME_DELAY_MS);
    this.#joinTimer.unref();
  }

  /**
   * Stops sending: the mountpoint is gone (Janus restarted) or unreachable. It is remembered, and
   * the next {@link create} destroys it first in case Janus still has it (a network outage, not
   * a restart), so mountpoints do not pile up in Janus.
   */
  forget(): void {
    const m = this.#mountpoint;
    if (m) {
      this.#stale.push({ id: m.id, secret: m.secret });
      if (this.#stale.length > MAX_STALE) this.#stale.shift();
    }
    this.#mountpoint = undefined;
    this.#protector = undefined;
  }

  /** Destroys the mountpoint when Janus is reachable (best effort), then {@link forget}s it. */
  async destroy(api: JanusApiClient): Promise<void> {
    const m = this.#mountpoint;
    this.#mountpoint = undefined;
    this.#protector = undefined;
    if (!m || !api.isOpen) return;
    await api.request({ request: 'destroy', id: m.id, secret: m.secret, permanent: false }).catch(() => undefined);
  }

  /** Unsubscribes from the camera and closes the socket (call {@link destroy} first). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#joinTimer);
    this.#mountpoint = undefined;
    this.#protector = undefined;
    this.#unsubscribe();
    this.#socket.close();
  }

  #send(packet: Buffer): void {
    const m = this.#mountpoint;
    if (!m || this.#closed) {
      this.#stats.dropped++;
      return;
    }
    if (this.#socket.getSendQueueCount() >= MAX_SEND_QUEUE) {
      this.#stats.dropped++;
      return;
    }
    let data: Buffer;
    const protector = this.#protector;
    if (protector) {
      const seq = packet.readUInt16BE(2);
      if (this.#lastSeq >= 0 && seq < this.#lastSeq && this.#lastSeq - seq > 0x8000) this.#roc = (this.#roc + 1) >>> 0;
      this.#lastSeq = seq;
      const headerLength = rtpPayloadOffset(packet);
      if (headerLength < 0) {
        this.#stats.dropped++;
        return;
      }
      const size = packet.length + protector.tagLength;
      const out = Buffer.allocUnsafe(size);
      packet.copy(out, 0, 0, headerLength);
      const n = protector.protect(out, headerLength, packet.subarray(headerLength), this.#roc);
      data = out.subarray(0, n);
    } else {
      // The ingest hands each packet in a Buffer of its own, which no listener changes, as
      // RtspOutput also relies on: no copy per packet.
      data = packet;
    }
    this.#stats.packets++;
    this.#stats.bytes += data.length;
    // Connected: no address, so no name lookup per packet (lookups finish out of order and
    // would reorder the packets of a keyframe).
    this.#socket.send(data);
  }

  /**
   * Connects the socket to `rtpHost`:`port`, resolving a host name once.
   * @throws Error when the name cannot be resolved.
   */
  async #connect(port: number): Promise<void> {
    if (this.#connected) {
      this.#socket.disconnect();
      this.#connected = false;
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#socket.once('error', onError);
      this.#socket.connect(port, this.#options.rtpHost, () => {
        this.#socket.off('error', onError);
        resolve();
      });
    });
    this.#connected = true;
  }
}
