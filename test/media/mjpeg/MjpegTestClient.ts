import { type ClientRequest, type IncomingMessage, request } from 'node:http';

/** One part as the client saw it (the JPEG itself is kept only for the last part). */
export interface ReceivedPart {
  /** `X-Frame`, NaN when absent. */
  frame: number;
  /** `X-Capture-Time-Ms`, NaN when absent. */
  captureTimeMs: number;
  /** Bytes of the JPEG (`Content-Length`). */
  bytes: number;
  /** `performance.now()` when the part was complete, ms. */
  receivedAt: number;
}

/**
 * A `multipart/x-mixed-replace` reader over a real HTTP connection (no pooling), for the MJPEG
 * tests and bench: parses every part (`Content-Length` framing, boundary checked), counts parts,
 * remembers the last JPEG and each part's timing. `pause()` stops reading the socket (the
 * kernel's buffers fill, then the server's client backs up); `resume()` reads again.
 */
export class MjpegTestClient {
  readonly url: string;
  readonly parts: ReceivedPart[] = [];
  /** Parts whose JPEG did not start with FF D8 and end with FF D9, or framing errors. */
  readonly errors: string[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  lastJpeg: Buffer | undefined;
  bytesReceived = 0;
  ended = false;
  /** This end's TCP port once connected (the server's statistics name clients by it). */
  localPort = 0;
  readonly #req: ClientRequest;
  #res: IncomingMessage | undefined;
  #boundary = '';
  #buffer: Buffer = Buffer.alloc(0);
  /** The head of the part being read, once complete. */
  #part: { length: number; frame: number; captureTimeMs: number } | undefined;
  readonly #keepParts: boolean;
  readonly #responded: Promise<void>;

  /** Opens the stream; `keepParts: false` keeps only counts (long benches). */
  constructor(url: string, options: { headers?: Record<string, string>; keepParts?: boolean } = {}) {
    this.url = url;
    this.#keepParts = options.keepParts ?? true;
    this.#req = request(url, { agent: false, headers: options.headers });
    this.#req.once('socket', (socket) => socket.once('connect', () => (this.localPort = socket.localPort ?? 0)));
    this.#responded = new Promise<void>((resolve, reject) => {
      this.#req.once('error', reject);
      this.#req.once('response', (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        const match = /boundary=("?)([^";]+)\1/.exec(res.headers['content-type'] ?? '');
        this.#boundary = match ? match[2]! : '';
        res.on('data', (chunk: Buffer) => this.#onData(chunk));
        res.on('end', () => (this.ended = true));
        res.on('close', () => (this.ended = true));
        res.on('error', () => (this.ended = true));
        resolve();
      });
    });
    this.#req.end();
  }

  /** Parts received so far. */
  get count(): number {
    return this.#keepParts ? this.parts.length : this.#count;
  }
  #count = 0;

  /** Resolves once the response head arrived. @throws Error when the connection failed. */
  responded(): Promise<void> {
    return this.#responded;
  }

  /** The body of a non-200 response (read to its end). */
  async text(): Promise<string> {
    await this.#responded;
    if (this.ended) return this.#buffer.toString('utf8');
    await new Promise<void>((resolve) => this.#res!.once('end', resolve));
    return this.#buffer.toString('utf8');
  }

  /** Stops reading the socket. */
  pause(): void {
    this.#res?.pause();
  }

  resume(): void {
    this.#res?.resume();
  }

  /** Closes the connection. */
  close(): void {
    this.#req.destroy();
    this.ended = true;
  }

  #onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.status !== 200) return; // an error body: kept whole for text()
    for (;;) {
      if (!this.#part) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.#buffer.toString('latin1', 0, end);
        this.#buffer = this.#buffer.subarray(end + 4);
        const lines = head.split('\r\n');
        if (lines[0] !== `--${this.#boundary}`) this.errors.push(`part starts with "${lines[0]}"`);
        const field = (name: string): string | undefined =>
          lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/^[^:]*:\s*/, '');
        if (field('content-type') !== 'image/jpeg') this.errors.push(`part type "${field('content-type')}"`);
        const length = Number(field('content-length'));
        if (!Number.isInteger(length) || length <= 0) {
          this.errors.push(`bad Content-Length "${field('content-length')}"`);
          this.close();
          return;
        }
        this.#part = { length, frame: Number(field('x-frame')), captureTimeMs: Number(field('x-capture-time-ms')) };
      }
      const part = this.#part;
      if (this.#buffer.length < part.length + 2) return;
      const jpeg = Buffer.from(this.#buffer.subarray(0, part.length));
      if (this.#buffer.toString('latin1', part.length, part.length + 2) !== '\r\n') {
        this.errors.push('part not followed by CRLF');
      }
      this.#buffer = this.#buffer.subarray(part.length + 2);
      this.#part = undefined;
      if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg.at(-2) !== 0xff || jpeg.at(-1) !== 0xd9) {
        this.errors.push(`part ${this.count} is not a whole JPEG`);
      }
      this.lastJpeg = jpeg;
      const received = { frame: part.frame, captureTimeMs: part.captureTimeMs, bytes: part.length };
      if (this.#keepParts) this.parts.push({ ...received, receivedAt: performance.now() });
      else this.#count += 1;
    }
  }
}
