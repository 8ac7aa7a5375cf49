/**
 * Messages of the WebSocket video path, protocol 1 (docs/websocket-video.md). Pure functions
 * without DOM access, so node can unit-test them.
 */

/** Protocol version this page speaks. */
export const WS_PROTOCOL_VERSION = 1;
/** Bytes of the binary access-unit header. */
export const AU_HEADER_BYTES = 20;

/** Text message `config`: the codec configuration (sent first and on every SPS/PPS change). */
export interface WsConfig {
  type: 'config';
  version: number;
  /** RFC 6381 codec string, e.g. `avc1.42e01f`. */
  codec: string;
  /** Picture size, px. */
  width: number;
  height: number;
  /** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), decoded from base64. */
  description: Uint8Array;
}

/** Text message `close`: the server is about to close, and why. */
export interface WsClose {
  type: 'close';
  reason: string;
}

/** One binary message: one access unit (one picture). */
export interface WsAccessUnit {
  /** IDR: decodable on its own. */
  keyframe: boolean;
  /** Access units were skipped before this one (a slow client's queue overflowed). */
  discontinuity: boolean;
  /** Presentation time, µs (RTP timestamp unwrapped × 1e6 / 90 000). */
  timestampUs: number;
  /** Server wall clock when the access unit was complete, ms since the Unix epoch. */
  receivedAtMs: number;
  /** NAL units in AVC form (4-byte big-endian length before each). A view into the message. */
  data: Uint8Array;
}

/** A malformed message (the connection is not worth keeping). */
export class WsProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

/** Bytes of a base64 string (atob exists in browsers and node ≥ 16). */
export function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Parses a text message. Throws `WsProtocolError` when it is not JSON, not an object with a known
 * `type`, names another protocol version, or lacks a field (named in the message).
 */
export function parseTextMessage(text: string): WsConfig | WsClose {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WsProtocolError('text message is not JSON');
  }
  if (!body || typeof body !== 'object') throw new WsProtocolError('text message is not an object');
  const m = body as Record<string, unknown>;
  if (m.type === 'close') return { type: 'close', reason: typeof m.reason === 'string' ? m.reason : '' };
  if (m.type !== 'config') throw new WsProtocolError(`unknown message type ${JSON.stringify(m.type)}`);
  if (m.version !== WS_PROTOCOL_VERSION) throw new WsProtocolError(`protocol version ${String(m.version)}, not 1`);
  if (typeof m.codec !== 'string' || !/^avc[13]\.[0-9a-fA-F]{6}$/.test(m.codec)) {
    throw new WsProtocolError('config: codec must be an avc1.PPCCLL string');
  }
  for (const k of ['width', 'height'] as const) {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new WsProtocolError(`config: bad ${k}`);
  }
  if (typeof m.description !== 'string' || m.description.length === 0) {
    throw new WsProtocolError('config: description missing');
  }
  let description: Uint8Array;
  try {
    description = base64ToBytes(m.description);
  } catch {
    throw new WsProtocolError('config: description is not base64');
  }
  // ISO/IEC 14496-15 §5.3.3.1: configurationVersion is 1.
  if (description.length < 7 || description[0] !== 1)
    throw new WsProtocolError('config: description is not an avcC record');
  return {
    type: 'config',
    version: WS_PROTOCOL_VERSION,
    codec: m.codec,
    width: m.width as number,
    height: m.height as number,
    description,
  };
}

/**
 * Parses a binary message (the 20-byte header, then AVC-format NAL units). Throws
 * `WsProtocolError` when it is shorter than the header plus one NAL length, or of another version.
 */
export function parseAccessUnit(buffer: ArrayBuffer): WsAccessUnit {
  if (buffer.byteLength < AU_HEADER_BYTES + 5) throw new WsProtocolError(`access unit of ${buffer.byteLength} bytes`);
  const view = new DataView(buffer);
  const version = view.getUint8(0);
  if (version !== WS_PROTOCOL_VERSION) throw new WsProtocolError(`access unit version ${version}, not 1`);
  const flags = view.getUint8(1);
  return {
    keyframe: (flags & 1) !== 0,
    discontinuity: (flags & 2) !== 0,
    timestampUs: view.getFloat64(4, false),
    receivedAtMs: view.getFloat64(12, false),
    data: new Uint8Array(buffer, AU_HEADER_BYTES),
  };
}

/** Builds a binary access-unit message (the inverse of `parseAccessUnit`; used by tests and test servers). */
export function encodeAccessUnit(au: Omit<WsAccessUnit, 'data'> & { data: Uint8Array }): Uint8Array {
  const out = new Uint8Array(AU_HEADER_BYTES + au.data.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, WS_PROTOCOL_VERSION);
  view.setUint8(1, (au.keyframe ? 1 : 0) | (au.discontinuity ? 2 : 0));
  view.setFloat64(4, au.timestampUs, false);
  view.setFloat64(12, au.receivedAtMs, false);
  out.set(au.data, AU_HEADER_BYTES);
  return out;
}
