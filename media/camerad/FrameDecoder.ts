/**
 * Decoder for camerad's control-socket frames: `[u32 length, big-endian][u8 kind][payload]`,
 * where `length` counts the kind byte plus the payload (native/PROTOCOL.md, "Framing").
 */

/** Largest frame accepted, in bytes (kind + payload); larger ones are a protocol error. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Frame kinds of protocol version 1. */
export const FrameKind = {
  request: 1,
  response: 2,
  notification: 3,
  analysisFrame: 4,
  jpeg: 5,
  grabFrame: 6,
} as const;

/** One decoded frame. `payload` is a view into a buffer owned by the decoder's caller. */
export interface Frame {
  kind: number;
  payload: Buffer;
}

/** Encodes one frame; throws `RangeError` when the payload is over {@link MAX_FRAME_BYTES}. */
export function encodeFrame(kind: number, payload: Buffer): Buffer {
  if (payload.length + 1 > MAX_FRAME_BYTES) {
    throw new RangeError(`frame of ${payload.length + 1} bytes is over ${MAX_FRAME_BYTES}`);
  }
  const frame = Buffer.allocUnsafe(5 + payload.length);
  frame.writeUInt32BE(payload.length + 1, 0);
  frame.writeUInt8(kind, 4);
  payload.copy(frame, 5);
  return frame;
}

/**
 * Incremental decoder: `push()` stream chunks, get back the frames they complete.
 * Holds at most one partial frame (bounded by {@link MAX_FRAME_BYTES}).
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;

  /**
   * Adds bytes read from the socket.
   * @returns the complete frames, in order.
   * @throws RangeError when a frame header announces a length of 0 or over MAX_FRAME_BYTES.
   */
  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.#buffered < 4) break;
      const head = this.#peek(4);
      const length = head.readUInt32BE(0);
      if (length < 1 || length > MAX_FRAME_BYTES) {
        throw new RangeError(`invalid frame length ${length}`);
      }
      if (this.#buffered < 4 + length) break;
      const whole = this.#take(4 + length);
      frames.push({ kind: whole.readUInt8(4), payload: whole.subarray(5) });
    }
    return frames;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length >= n) return this.#chunks[0]!;
    const joined = Buffer.concat(this.#chunks);
    this.#chunks = [joined];
    return joined;
  }

  #take(n: number): Buffer {
    const joined = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }
}
