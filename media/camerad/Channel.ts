import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { CameradError, InvalidStateError, TimeoutError } from '../core/errors.js';
import { PendingRequests } from '../core/PendingRequests.js';
import { TypedEmitter } from '../core/TypedEmitter.js';
import { isCameradErrorCode, type Methods, type Notification } from './CameradProtocol.js';
import { FrameDecoder, FrameKind, encodeFrame } from './FrameDecoder.js';
import { decodePicture, type Picture } from './PictureMessage.js';

/** Options of {@link Channel}. */
export interface ChannelOptions {
  /** Time a request may wait for its response before it is rejected, in ms. Default 5000. */
  requestTimeoutMs?: number;
}

export type ChannelEvents = {
  /** A notification, in the order camerad sent it. */
  notification: [Notification];
  /** An analysis frame (kind 4); camerad sends the next one only after `analysis_ack`. */
  analysis: [Picture];
  /** A JPEG still (kind 5) of a still stream switched on with `stills`. */
  still: [Picture];
  /** Binary frames of kinds this client does not handle (kinds added later). */
  binary: [number, Buffer];
  /** The channel closed (socket ended, errored, or `close()`); emitted once. */
  close: [Error | undefined];
};

/** What the channel keeps with each pending request. */
interface Pending {
  method: string;
  /** The response comes with a picture (kind 6, sent just before it). */
  withPicture: boolean;
  picture?: Picture;
}

/** A response together with the picture sent for it (`grab`). */
export interface PictureResponse<R> {
  result: R;
  picture: Picture;
}

/**
 * Request/response and notification channel over one connected camerad control socket
 * (modelled on mediasoup's `Channel.ts`). Every request gets exactly one response or is
 * rejected; on close every pending request is rejected with `InvalidStateError('Channel closed')`.
 */
export class Channel extends TypedEmitter<ChannelEvents> {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #pending = new PendingRequests<Pending>();
  readonly #requestTimeoutMs: number;
  #closed = false;

  constructor(socket: Socket, logger: Logger, options: ChannelOptions = {}) {
    super(logger);
    this.#socket = socket;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk, logger));
    socket.on('error', (error) => this.#close(error));
    socket.on('close', () => this.#close(undefined));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Number of requests still waiting for their response. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request and resolves with its result.
   * @throws InvalidStateError when the channel is closed or closes before the response.
   * @throws CameradError when camerad answers `ok: false`.
   * @throws TimeoutError when no response came within {@link ChannelOptions.requestTimeoutMs} (or
   *   `options.timeoutMs`), ms.
   * @throws Error when camerad answers with an error code native/PROTOCOL.md does not list.
   */
  request<M extends keyof Methods & string>(
    method: M,
    params: Methods[M][0] = {} as Methods[M][0],
    options: { timeoutMs?: number } = {},
  ): Promise<Methods[M][1]> {
    return this.#send(method, params, false, options.timeoutMs) as Promise<Methods[M][1]>;
  }

  /**
   * Sends a request whose answer includes a picture (kind 6, matched by request id), e.g. `grab`.
   * @throws the same as {@link request}, and Error when camerad answers without the picture.
   */
  requestWithPicture<M extends keyof Methods & string>(
    method: M,
    params: Methods[M][0],
  ): Promise<PictureResponse<Methods[M][1]>> {
    return this.#send(method, params, true) as Promise<PictureResponse<Methods[M][1]>>;
  }

  #send(method: string, params: unknown, withPicture: boolean, timeoutMs = this.#requestTimeoutMs): Promise<unknown> {
    if (this.#closed) return Promise.reject(new InvalidStateError('Channel closed'));
    return this.#pending.add(
      (id) => {
        const payload = Buffer.from(JSON.stringify({ id, method, params }));
        this.#socket.write(encodeFrame(FrameKind.request, payload));
      },
      {
        timeoutMs,
        timeoutError: () => new TimeoutError(`camerad request ${method} timed out after ${timeoutMs} ms`, timeoutMs),
        meta: { method, withPicture },
      },
    );
  }

  /** Closes the socket and rejects all pending requests. Idempotent. */
  close(): void {
    this.#close(undefined);
  }

  #onData(chunk: Buffer, logger: Logger): void {
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      logger.error({ err: error }, 'camerad protocol error, closing channel');
      this.#close(error as Error);
      return;
    }
    for (const frame of frames) {
      if (frame.kind === FrameKind.response) this.#onResponse(frame.payload, logger);
      else if (frame.kind === FrameKind.notification) this.#onNotification(frame.payload, logger);
      else if (
        frame.kind === FrameKind.analysisFrame ||
        frame.kind === FrameKind.grabFrame ||
        frame.kind === FrameKind.jpeg
      )
        this.#onPicture(frame.kind, frame.payload, logger);
      else this.safeEmit('binary', frame.kind, frame.payload);
    }
  }

  #onResponse(payload: Buffer, logger: Logger): void {
    let message: { id?: number; ok?: boolean; result?: unknown; error?: { code?: string; message?: string } };
    try {
      message = JSON.parse(payload.toString('utf8'));
    } catch {
      logger.error('camerad sent a response that is not JSON; ignored');
      return;
    }
    const id = message.id;
    const pending = id === undefined ? undefined : this.#pending.meta(id);
    if (id === undefined || !pending) {
      logger.warn({ id, error: message.error }, 'camerad response matches no pending request');
      return;
    }
    if (message.ok && pending.withPicture) {
      if (pending.picture) this.#pending.resolve(id, { result: message.result ?? {}, picture: pending.picture });
      else this.#pending.reject(id, new Error(`camerad answered ${pending.method} without its picture`));
    } else if (message.ok) this.#pending.resolve(id, message.result ?? {});
    else {
      const code = message.error?.code;
      const text = message.error?.message ?? `${pending.method} failed`;
      this.#pending.reject(
        id,
        isCameradErrorCode(code)
          ? new CameradError(code, text)
          : new Error(`camerad answered ${pending.method} with an unknown error code ${String(code)}: ${text}`),
      );
    }
  }

  #onPicture(kind: number, payload: Buffer, logger: Logger): void {
    let picture: Picture;
    try {
      picture = decodePicture(payload);
    } catch (error) {
      logger.error({ err: error, kind }, 'camerad sent a malformed picture message; ignored');
      return;
    }
    if (kind === FrameKind.analysisFrame) {
      this.safeEmit('analysis', picture);
      return;
    }
    if (kind === FrameKind.jpeg) {
      this.safeEmit('still', picture);
      return;
    }
    const pending = this.#pending.meta(picture.requestId);
    if (!pending?.withPicture) {
      logger.warn({ id: picture.requestId }, 'camerad picture matches no pending request');
      return;
    }
    pending.picture = picture;
  }

  #onNotification(payload: Buffer, logger: Logger): void {
    let message: Notification;
    try {
      message = JSON.parse(payload.toString('utf8')) as Notification;
    } catch {
      logger.error('camerad sent a notification that is not JSON; ignored');
      return;
    }
    this.safeEmit('notification', message);
  }

  #close(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.failAll(new InvalidStateError('Channel closed'));
    this.#socket.destroy();
    this.safeEmit('close', error);
  }
}
