import type { ServerResponse } from 'node:http';
import type { MjpegClientOptions, MjpegClientStats, MjpegPart } from './MjpegTypes.js';

const CRLF = Buffer.from('\r\n');
/** How long a closed client's response may take to finish before its connection is destroyed, ms. */
const END_TIMEOUT_MS = 2000;

/**
 * One MJPEG viewer: one HTTP response sent as `multipart/x-mixed-replace`, one JPEG per part.
 *
 * Flow control: one part at a time is in Node's hands. A part is written whole (boundary +
 * headers, JPEG, CRLF, in one corked write); the next is written only once the kernel took the
 * previous one (the write's callback: Node's socket buffer is empty again), whatever the size of
 * the JPEG against the socket's high-water mark. Parts arriving meanwhile wait in a queue of at
 * most `queueFrames` parts; a part arriving at a full queue replaces the oldest waiting one and
 * counts as dropped. So a client that stops reading costs at most one part in Node's socket
 * buffer plus `queueFrames` queued parts (what the kernel's socket buffers hold aside), and the
 * parts are shared buffers (one encode, every client): a slow client loses frames, never memory.
 *
 * The client closes when the connection does (disconnect or socket error) or on {@link close};
 * `onClose` runs once either way.
 */
export class MjpegClient {
  readonly id: string;
  readonly #res: ServerResponse;
  readonly #boundary: string;
  readonly #bound: number;
  readonly #onClose: ((client: { id: string }) => void) | undefined;
  readonly #connectedAt = Date.now();
  readonly #remote: string;
  /** Parts waiting for the kernel to take the part in flight, oldest first; never longer than #bound. */
  #queue: MjpegPart[] = [];
  #maxQueued = 0;
  #sent = 0;
  #dropped = 0;
  #bytesSent = 0;
  /** A part is in Node's socket buffer, not yet taken by the kernel. */
  #writing = false;
  #closed = false;

  /**
   * Sends the response head at once (200, `multipart/x-mixed-replace; boundary=…`,
   * `Cache-Control: no-store`) and starts listening for the connection's end.
   * @throws TypeError when `queueFrames` is not an integer ≥ 1 or `boundary` is not a valid
   *   RFC 2046 boundary.
   */
  constructor(res: ServerResponse, options: MjpegClientOptions) {
    const bound = options.queueFrames;
    if (!Number.isInteger(bound) || bound < 1) throw new TypeError(`queueFrames must be an integer ≥ 1, got ${bound}`);
    if (!/^[0-9A-Za-z'()+_,./:=?-]{1,70}$/.test(options.boundary)) {
      throw new TypeError(`boundary must be 1..70 RFC 2046 characters, got "${options.boundary}"`);
    }
    this.id = options.id;
    this.#res = res;
    this.#boundary = options.boundary;
    this.#bound = bound;
    this.#onClose = options.onClose;
    const socket = res.socket;
    this.#remote = socket ? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` : '?';
    res.on('close', this.#onConnectionClose);
    res.on('error', this.#onConnectionClose);
    res.writeHead(200, {
      ...options.headers,
      'Content-Type': `multipart/x-mixed-replace; boundary=${options.boundary}`,
      'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
      Pragma: 'no-cache',
      Expires: '0',
      'X-Content-Type-Options': 'nosniff',
    });
    res.flushHeaders();
    // A response whose connection is already gone never emits 'close' again.
    if (res.destroyed || socket?.destroyed) queueMicrotask(() => this.close());
  }

  /** True once the client closed; {@link push} then does nothing. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Parts waiting in the queue now (0..queueFrames). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Parts dropped so far because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Parts handed to the socket so far. */
  get sent(): number {
    return this.#sent;
  }

  /**
   * Offers one part: written now when the socket takes data, else queued (the oldest waiting part
   * is dropped when the queue is full). Does nothing once closed.
   */
  push(part: MjpegPart): void {
    if (this.#closed) return;
    if (!this.#writing) {
      this.#write(part);
      return;
    }
    this.#queue.push(part);
    if (this.#queue.length > this.#bound) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    if (this.#queue.length > this.#maxQueued) this.#maxQueued = this.#queue.length;
  }

  stats(): MjpegClientStats {
    return {
      id: this.id,
      connectedAt: this.#connectedAt,
      remote: this.#remote,
      queued: this.#queue.length,
      maxQueued: this.#maxQueued,
      queueBound: this.#bound,
      sent: this.#sent,
      dropped: this.#dropped,
      bytesSent: this.#bytesSent,
      socketBuffered: this.#closed ? 0 : this.#res.writableLength,
      writing: this.#writing,
    };
  }

  /**
   * Ends the response: with the closing boundary when the socket is not backed up (destroying the
   * connection if that does not finish within 2 s), else by destroying the connection at once (a
   * client that does not read would never take the end). Drops the
   * queue and calls `onClose`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    const res = this.#res;
    res.off('close', this.#onConnectionClose);
    // Keep an error listener: a late socket error on a closed client must not crash the process.
    res.off('error', this.#onConnectionClose);
    res.on('error', ignoreLateError);
    if (!res.destroyed && !res.writableEnded) {
      if (this.#writing || res.writableLength > 0) {
        res.destroy();
      } else {
        res.end(`--${this.#boundary}--\r\n`);
        // The kernel's buffers may be full of a client that does not read: do not wait for it.
        const timer = setTimeout(() => res.destroy(), END_TIMEOUT_MS).unref();
        res.once('finish', () => clearTimeout(timer));
      }
    }
    this.#onClose?.({ id: this.id });
  }

  #write(part: MjpegPart): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) {
      this.close();
      return;
    }
    this.#writing = true;
    res.cork();
    res.write(part.head);
    res.write(part.jpeg);
    res.write(CRLF, this.#onWritten);
    res.uncork();
    this.#sent += 1;
    this.#bytesSent += part.head.length + part.jpeg.length + CRLF.length;
  }

  /** The kernel took the part (or the connection failed: then 'close' follows). */
  readonly #onWritten = (error?: Error | null): void => {
    this.#writing = false;
    if (this.#closed || error) return;
    const next = this.#queue.shift();
    if (next) this.#write(next);
  };

  readonly #onConnectionClose = (): void => this.close();
}

/** A socket error after the client closed: the connection is gone either way. */
function ignoreLateError(): void {
  // nothing to do: the client is closed and its counters are final
}
