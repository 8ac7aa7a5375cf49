import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidStateError } from '../core/errors.js';
import { RtpContinuity } from './RtpContinuity.js';

/** Receives one camera's RTP packets: `packet` is a whole RTP packet, already normalised. */
export type RtpListener = (packet: Buffer) => void;

/** Options of {@link RtpIngest}. */
export interface RtpIngestOptions {
  /** Address to bind, default `127.0.0.1` (camerad sends from the same box). */
  host?: string;
  /** UDP port camerad sends to (its `--rtp-port`). 0 picks a free one. */
  port: number;
  /** RTP payload type accepted; others are dropped. Default 96. */
  payloadType?: number;
  /** Kernel receive buffer in bytes. Default 4 MiB (a 2.5 Mbit/s IDR burst fits many times). */
  receiveBufferBytes?: number;
  /**
   * Whose packets are taken. `camerad` (default): only those from 127.0.0.1, the source port and
   * with the SSRC set with {@link RtpIngest.setSource} (camerad's hello); none while no source is
   * set. `any`: every sender (tests that feed RTP from their own GStreamer pipeline).
   */
  acceptFrom?: 'camerad' | 'any';
}

/** Counters of an ingest since it opened. */
export interface RtpIngestStats {
  packets: number;
  bytes: number;
  /** Packets dropped as not RTP or of another payload type. */
  dropped: number;
  /**
   * Packets dropped because they did not come from camerad's RTP source port with its SSRC
   * (forged or stray local traffic, or camerad's packets before its hello arrived).
   */
  foreign: number;
  /** Receive bitrate over the last full second, kbit/s. */
  bitrateKbps: number;
  /** Times the input SSRC changed (camerad restarted). */
  sourceRestarts: number;
}

/**
 * The single point where a camera's RTP enters the server: one UDP socket per camera. Each
 * packet is checked once, rewritten once by {@link RtpContinuity} (constant SSRC, continuous
 * sequence numbers and timestamps across camerad restarts) and handed, as the same Buffer, to
 * every listener synchronously — no queue, so nothing can pile up here.
 */
export class RtpIngest {
  readonly #options: Required<RtpIngestOptions>;
  readonly #logger: Logger;
  readonly #listeners = new Set<RtpListener>();
  readonly #restartListeners = new Set<() => void>();
  // A random non-zero SSRC (RFC 3550 §8.1). Drawn from raw bytes, not randomInt: randomInt's
  // rejection loop uses floating-point modulo (fmod, x87 on x86-64), which never ends in a process
  // whose x87 register stack a native addon left full (litesvm in the tests: see
  // test/helpers/svm/SvmRpcServer.ts).
  readonly #continuity = new RtpContinuity(randomBytes(4).readUInt32BE(0) || 1);
  #socket: Socket | undefined;
  #port = 0;
  #closed = false;
  #packets = 0;
  #bytes = 0;
  #dropped = 0;
  #foreign = 0;
  /** The sender accepted (`acceptFrom: 'camerad'`): camerad's RTP source port on 127.0.0.1 and SSRC. */
  #source: { port: number; ssrc: number } | undefined;
  #windowStart = performance.now();
  #windowBytes = 0;
  #bitrateKbps = 0;

  private constructor(options: RtpIngestOptions, logger: Logger) {
    this.#options = {
      host: '127.0.0.1',
      payloadType: 96,
      receiveBufferBytes: 4 * 1024 * 1024,
      acceptFrom: 'camerad',
      ...options,
    };
    this.#logger = logger;
  }

  /**
   * Binds the UDP socket.
   * @throws Error when the port is taken (EADDRINUSE) — the message names the port.
   */
  static async create(options: RtpIngestOptions, logger: Logger): Promise<RtpIngest> {
    const ingest = new RtpIngest(options, logger);
    await ingest.#bind();
    return ingest;
  }

  /** The bound UDP port. */
  get port(): number {
    return this.#port;
  }

  /** SSRC of the normalised output stream (constant for the ingest's life). */
  get ssrc(): number {
    return this.#continuity.outputSsrc;
  }

  get stats(): RtpIngestStats {
    this.#rollWindow(performance.now());
    return {
      packets: this.#packets,
      bytes: this.#bytes,
      dropped: this.#dropped,
      foreign: this.#foreign,
      bitrateKbps: this.#bitrateKbps,
      sourceRestarts: Math.max(0, this.#continuity.epochs - 1),
    };
  }

  /**
   * Sets the one sender whose packets are taken (camerad's hello): packets from UDP port `port` on
   * 127.0.0.1 (`rtp_source_port`) whose SSRC is `ssrc` (`rtp.ssrc`). The port alone is not enough:
   * when camerad dies, another local process can bind its port before the server has seen the
   * death; the SSRC (random per camerad process, known only to camerad and the server, rewritten
   * before viewers see it) closes that gap. `undefined` takes nothing (no camerad connected, or
   * one that is restarting). Ignored with `acceptFrom: 'any'`.
   */
  setSource(source: { port: number; ssrc: number } | undefined): void {
    this.#source = source;
  }

  /** Adds a listener of every packet; returns a function that removes it. */
  subscribe(listener: RtpListener): () => void {
    if (this.#closed) throw new InvalidStateError('RtpIngest closed');
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called when a new input SSRC appears (camerad restarted). */
  onSourceRestart(listener: () => void): () => void {
    this.#restartListeners.add(listener);
    return () => this.#restartListeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Closes the socket and drops all listeners. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#restartListeners.clear();
    this.#socket?.close();
    this.#socket = undefined;
  }

  async #bind(): Promise<void> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: this.#options.receiveBufferBytes });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error) =>
        reject(new Error(`cannot bind RTP ingest on ${this.#options.host}:${this.#options.port}: ${error.message}`)),
      );
      socket.bind(this.#options.port, this.#options.host, () => resolve());
    });
    socket.on('error', (error) => this.#logger.error({ err: error }, 'RTP ingest socket error'));
    socket.on('message', (packet, from) => this.#onPacket(packet, from));
    this.#socket = socket;
    this.#port = socket.address().port;
  }

  #onPacket(packet: Buffer, from: RemoteInfo): void {
    // Only camerad's socket: another local process could otherwise inject video (or, with a
    // higher SSRC change rate, disrupt the stream) for every viewer.
    const source = this.#source;
    if (
      this.#options.acceptFrom === 'camerad' &&
      (source === undefined ||
        from.port !== source.port ||
        from.address !== '127.0.0.1' ||
        packet.length < 12 ||
        packet.readUInt32BE(8) !== source.ssrc)
    ) {
      this.#foreign += 1;
      return;
    }
    // RTP version 2 (RFC 3550 §5.1) with the expected payload type; RTCP or strays are dropped.
    if (packet.length < 12 || packet[0]! >> 6 !== 2 || (packet[1]! & 0x7f) !== this.#options.payloadType) {
      this.#dropped += 1;
      return;
    }
    this.#packets += 1;
    this.#bytes += packet.length;
    this.#windowBytes += packet.length;
    this.#rollWindow(performance.now());
    if (this.#continuity.rewrite(packet) && this.#continuity.epochs > 1) {
      this.#logger.info({ restarts: this.#continuity.epochs - 1 }, 'RTP source restarted; stream continues');
      for (const listener of this.#restartListeners) listener();
    }
    for (const listener of this.#listeners) listener(packet);
  }

  #rollWindow(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < 1000) return;
    this.#bitrateKbps = elapsed > 2000 ? 0 : Math.round((this.#windowBytes * 8) / elapsed);
    this.#windowBytes = 0;
    this.#windowStart = now;
  }
}
