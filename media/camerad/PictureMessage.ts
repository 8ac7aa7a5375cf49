/**
 * Picture messages: kind 4 (analysis frames), kind 5 (JPEG stills) and kind 6 (grab replies) share one 40-byte
 * big-endian header followed by the picture bytes (native/PROTOCOL.md, "Picture messages").
 */

/** First four bytes of every picture message. */
export const PICTURE_MAGIC = 'CFRM';
/** Header version this client reads; the header length byte lets later versions grow it. */
export const PICTURE_VERSION = 1;
/** Size of the version-1 header, in bytes. */
export const PICTURE_HEADER_BYTES = 40;

/** Pixel format byte (offset 6). */
export const PictureFormat = {
  /** Packed R, G, B bytes, rows `stride` bytes apart. */
  rgb24: 1,
  /** One baseline JFIF image. */
  jpeg: 2,
} as const;

/** Flag bits (offset 7). */
export const PictureFlag = {
  /** Overlay boxes were drawn into the picture. */
  overlays: 1,
  /** The latency probe strip was drawn into it. */
  latencyProbe: 2,
  /** The NO SIGNAL picture (the source was not live). */
  noSignal: 4,
} as const;

/** One decoded picture message. */
export interface Picture {
  format: number;
  flags: number;
  /** Source frame number (rises by one per source frame; 0 for NO SIGNAL). */
  frame: number;
  /** Capture time, µs since the Unix epoch (camerad's `g_get_real_time()`). */
  captureTimeUs: number;
  width: number;
  height: number;
  /** Bytes per row; 0 for JPEG. */
  stride: number;
  /** Kind 6: id of the grab request it answers; kind 5: the still variant (1 clean, 2 overlays); kind 4: 0. */
  requestId: number;
  /** The picture bytes: a view into the message payload. */
  data: Buffer;
}

/**
 * Decodes a kind-4, kind-5 or kind-6 payload.
 * @throws RangeError when the payload is not a version-1 picture message or its sizes disagree.
 */
export function decodePicture(payload: Buffer): Picture {
  if (payload.length < PICTURE_HEADER_BYTES || payload.toString('latin1', 0, 4) !== PICTURE_MAGIC) {
    throw new RangeError('not a camerad picture message (bad magic)');
  }
  const version = payload.readUInt8(4);
  if (version !== PICTURE_VERSION) throw new RangeError(`picture message version ${version} is not supported`);
  const headerBytes = payload.readUInt8(5);
  const dataBytes = payload.readUInt32BE(36);
  if (headerBytes < PICTURE_HEADER_BYTES || headerBytes + dataBytes !== payload.length) {
    throw new RangeError(`picture message of ${payload.length} bytes, header says ${headerBytes} + ${dataBytes}`);
  }
  const picture: Picture = {
    format: payload.readUInt8(6),
    flags: payload.readUInt8(7),
    frame: Number(payload.readBigUInt64BE(8)),
    captureTimeUs: Number(payload.readBigUInt64BE(16)),
    width: payload.readUInt16BE(24),
    height: payload.readUInt16BE(26),
    stride: payload.readUInt32BE(28),
    requestId: payload.readUInt32BE(32),
    data: payload.subarray(headerBytes),
  };
  if (picture.format === PictureFormat.rgb24 && picture.stride * picture.height > dataBytes) {
    throw new RangeError(
      `RGB picture ${picture.width}x${picture.height} (stride ${picture.stride}) in ${dataBytes} bytes`,
    );
  }
  return picture;
}
