import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A message received: text (JSON of the protocol) or binary (an access unit). */
export type WsMessage = { kind: 'text'; text: string } | { kind: 'binary'; data: Buffer };

/** Options of {@link RawWsClient.open}. */
export interface RawWsOptions {
  /** Extra request headers (Origin, Authorization, Host). */
  headers?: Record<string, string>;
  /** Read at most this many bytes per second from the TCP socket (the kernel buffers the rest). */
  readBytesPerS?: number;
  /** Never read after the 101 (the socket stays paused). */
  neverRead?: boolean;
  /** Local address to connect from (any 127.0.0.0/8 address on Linux: another client). */
  localAddress?: string;
  /** Called for each message, in order (otherwise they are kept in `messages`). */
  onMessage?: (message: WsMessage) => void;
}

/** A refused upgrade: the plain HTTP answer. */
export interface WsRefusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A minimal RFC 6455 client over a plain TCP socket, for tests and benches that need what a
 * browser's or the `ws` package's client will not give: reading throttled to a bit rate on the
 * TCP socket itself, or not reading at all, and the raw HTTP answer of a refused upgrade.
 * Server frames are unmasked (§5.1); ping, pong and continuation frames are not expected from
 * the server under test and are ignored.
 */
export class RawWsClient {
  readonly messages: WsMessage[] = [];
  /** Headers of the 101 answer, names in lower case. */
  headers: Record<string, string> = {};
  /** Bytes read from the socket after the 101. */
  bytesRead = 0;
  /** The close frame's code, or null until one came. */
  closeCode: number | null = null;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #options: RawWsOptions;
  #buffer: Buffer = Buffer.alloc(0);
  #tokens = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, options: RawWsOptions, rest: Buffer) {
    this.#socket = socket;
    this.#options = { ...options };
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => clearInterval(this.#timer));
    socket.on('error', () => {
      // A reset by the server is how a stalled client ends; `closed` resolves.
    });
    if (options.neverRead) {
      socket.pause();
      return;
    }
    const rate = options.readBytesPerS;
    if (rate !== undefined) {
      const tickMs = 20;
      this.#tokens = (rate * tickMs) / 1000;
      this.#timer = setInterval(() => {
        this.#tokens = Math.min(this.#tokens + (rate * tickMs) / 1000, rate / 5);
        if (this.#tokens > 0 && socket.isPaused()) socket.resume();
      }, tickMs);
    }
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    if (rest.length > 0) this.#data(rest);
    socket.resume();
  }

  /**
   * Opens a WebSocket at `url` (`http://127.0.0.1:port/path?query`).
   * @returns the client after a 101, or the refusal (the HTTP status, headers and body).
   */
  static open(url: string, options: RawWsOptions = {}): Promise<RawWsClient | WsRefusal> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: target.hostname,
        port: Number(target.port),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(lines[0]!.split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        socket.off('data', onData);
        socket.pause();
        const rest = head.subarray(end + 4);
        if (status === 101) {
          const client = new RawWsClient(socket, options, rest);
          client.headers = headers;
          resolve(client);
          return;
        }
        const body: Buffer[] = [rest];
        socket.on('data', (c: Buffer) => body.push(c));
        socket.once('end', () => resolve({ status, headers, body: Buffer.concat(body).toString('utf8') }));
        socket.once('close', () => resolve({ status, headers, body: Buffer.concat(body).toString('utf8') }));
        socket.resume();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      const extra = Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
      const hasHost = Object.keys(options.headers ?? {}).some((k) => k.toLowerCase() === 'host');
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
          (hasHost ? '' : `Host: ${target.host}\r\n`) +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          extra.join('') +
          '\r\n',
      );
    });
  }

  /** Stops throttling: reads at full speed from now on. */
  unthrottle(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#options.readBytesPerS = undefined;
    this.#socket.resume();
  }

  /** Starts reading a socket opened with `neverRead`, at full speed. */
  resume(): void {
    this.#socket.on('data', (chunk: Buffer) => this.#data(chunk));
    this.#socket.resume();
  }

  /** Closes the TCP connection (no closing handshake). */
  close(): void {
    clearInterval(this.#timer);
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (this.#options.readBytesPerS !== undefined) {
      this.#tokens -= chunk.length;
      if (this.#tokens <= 0) this.#socket.pause();
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      const opcode = b[0]! & 0x0f;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      this.#buffer = b.subarray(offset + length);
      if (opcode === 1) this.#deliver({ kind: 'text', text: payload.toString('utf8') });
      else if (opcode === 2) this.#deliver({ kind: 'binary', data: Buffer.from(payload) });
      else if (opcode === 8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }

  #deliver(message: WsMessage): void {
    if (this.#options.onMessage) this.#options.onMessage(message);
    else this.messages.push(message);
  }
}
