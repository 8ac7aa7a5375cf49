import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One RTP packet as received (RFC 3550 §5.1 header fields). */
export interface ReceivedRtp {
  /** Arrival, performance.now() ms. */
  at: number;
  /** Marker bit: the last packet of an access unit (RFC 6184 §5.1). */
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
}

/** An RTSP response (RFC 2326 §7). Header names are lower-cased. */
export interface RtspResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
/** How long {@link RtspClient.request} waits for a reply: a hang guard, not a speed bound. */
const REPLY_TIMEOUT_MS = 20_000;

/**
 * A small test-only RTSP client (RFC 2326) over one TCP connection: Digest authentication
 * (RFC 2617, without qop, as gst-rtsp-server asks), DESCRIBE / SETUP (RTP over the RTSP
 * connection, §10.12 interleaved) / PLAY, and a record of the RTP packets received (sequence
 * number, timestamp, SSRC). `pause()` stops reading the socket, as a client that hangs.
 */
export class RtspClient {
  readonly packets: ReceivedRtp[] = [];
  /** Resolves when the server closes the connection (or it errors). */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #user: string;
  readonly #password: string;
  #buffer: Buffer = Buffer.alloc(0);
  #cseq = 0;
  #waiting: ((response: RtspResponse) => void) | undefined;
  #authorization: ((method: string, uri: string) => string) | undefined;

  private constructor(socket: Socket, user: string, password: string) {
    this.#socket = socket;
    this.#user = user;
    this.#password = password;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.once('error', () => resolve());
    });
  }

  /** Connects to 127.0.0.1:`port`, from `localAddress` (another 127.x.y.z) when given. */
  static async connect(port: number, user: string, password: string, localAddress?: string): Promise<RtspClient> {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RtspClient(socket, user, password);
  }

  /**
   * Sends a request; answers a 401 Digest challenge once with the credentials.
   * @throws Error when the connection closes first, or no reply comes within 20 s (a hang guard).
   */
  async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    const response = await this.#send(method, uri, headers);
    if (response.status !== 401 || this.#authorization) return response;
    const challenge = response.headers['www-authenticate'] ?? '';
    const realm = /realm="([^"]*)"/.exec(challenge)?.[1];
    const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1];
    if (!challenge.startsWith('Digest') || realm === undefined || nonce === undefined) return response;
    const ha1 = md5(`${this.#user}:${realm}:${this.#password}`);
    this.#authorization = (m, u) =>
      `Digest username="${this.#user}", realm="${realm}", nonce="${nonce}", uri="${u}", response="${md5(`${ha1}:${nonce}:${md5(`${m}:${u}`)}`)}"`;
    return this.#send(method, uri, headers);
  }

  /**
   * DESCRIBE, SETUP of the first stream, PLAY. Transport: interleaved in this connection, or
   * with `udpPort` RTP/UDP to 127.0.0.1:udpPort (RTCP to udpPort + 1; this client never sends
   * any, as a UDP client that went away).
   * @throws Error naming the step that did not answer 200.
   */
  async play(url: string, udpPort?: number): Promise<void> {
    const describe = await this.request('DESCRIBE', url, { Accept: 'application/sdp' });
    if (describe.status !== 200) throw new Error(`DESCRIBE ${url}: ${describe.status}`);
    const base = describe.headers['content-base'] ?? `${url}/`;
    const control = /a=control:(\S+)/.exec(describe.body.split('m=video')[1] ?? '')?.[1] ?? 'stream=0';
    const track = /^rtsp:\/\//.test(control) ? control : `${base.replace(/\/?$/, '/')}${control}`;
    const transport =
      udpPort === undefined
        ? 'RTP/AVP/TCP;unicast;interleaved=0-1'
        : `RTP/AVP;unicast;client_port=${udpPort}-${udpPort + 1}`;
    const setup = await this.request('SETUP', track, { Transport: transport });
    if (setup.status !== 200) throw new Error(`SETUP ${track}: ${setup.status}`);
    const session = (setup.headers.session ?? '').split(';')[0]!;
    const play = await this.request('PLAY', base, { Session: session, Range: 'npt=0-' });
    if (play.status !== 200) throw new Error(`PLAY ${base}: ${play.status}`);
  }

  /** Stops reading the socket: the server's data piles up in the kernel buffers. */
  pause(): void {
    this.#socket.pause();
  }

  /** Reads the socket again. */
  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    this.#socket.destroy();
  }

  #send(method: string, uri: string, headers: Record<string, string>): Promise<RtspResponse> {
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.#cseq}`, 'User-Agent: ecs-test'];
    if (this.#authorization) lines.push(`Authorization: ${this.#authorization(method, uri)}`);
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to ${method} ${uri} within ${REPLY_TIMEOUT_MS} ms`)),
        REPLY_TIMEOUT_MS,
      );
      this.#waiting = (response) => {
        clearTimeout(timer);
        resolve(response);
      };
      void this.closed.then(() => {
        clearTimeout(timer);
        reject(new Error(`connection closed before the ${method} reply`));
      });
      this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length === 0) return;
      if (b[0] === 0x24) {
        // §10.12: '$', channel, 16-bit length, then the RTP or RTCP packet.
        if (b.length < 4) return;
        const length = b.readUInt16BE(2);
        if (b.length < 4 + length) return;
        if (b[1] === 0 && length >= 12) {
          this.packets.push({
            at: performance.now(),
            marker: (b[5]! & 0x80) !== 0,
            seq: b.readUInt16BE(6),
            timestamp: b.readUInt32BE(8),
            ssrc: b.readUInt32BE(12),
          });
        }
        this.#buffer = b.subarray(4 + length);
        continue;
      }
      const end = b.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = b.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (b.length < end + 4 + length) return;
      const body = b.subarray(end + 4, end + 4 + length).toString('utf8');
      this.#buffer = b.subarray(end + 4 + length);
      const status = Number(/^RTSP\/1\.0 (\d+)/.exec(head[0] ?? '')?.[1] ?? 0);
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.({ status, headers, body });
    }
  }
}
