import { buildAvcC } from './avcC.js';
import { parseSps } from './h264Sps.js';
import type { AccessUnit, WsVideoConfigMessage } from './WsVideoTypes.js';

/** Protocol version in every message (docs/websocket-video.md). */
export const WS_VIDEO_VERSION = 1;
/** Size of the binary access-unit header, bytes. */
export const AU_HEADER_BYTES = 20;
/** Flag bits of the access-unit header's byte 1. */
export const AuFlag = { keyframe: 1, discontinuity: 2 } as const;

/**
 * The binary message of one access unit: version, flags (keyframe), 2 reserved bytes,
 * `timestampUs` and `receivedAtMs` as float64 big-endian, then the AVC-form NAL units
 * (docs/websocket-video.md, message 2). Built once per access unit for every client.
 */
export function encodeAccessUnit(au: AccessUnit): Buffer {
  const message = Buffer.allocUnsafe(AU_HEADER_BYTES + au.avc.length);
  message[0] = WS_VIDEO_VERSION;
  message[1] = (au.keyframe ? AuFlag.keyframe : 0) | (au.discontinuity ? AuFlag.discontinuity : 0);
  message.writeUInt16BE(0, 2);
  message.writeDoubleBE(au.timestampUs, 4);
  message.writeDoubleBE(au.receivedAtMs, 12);
  au.avc.copy(message, AU_HEADER_BYTES);
  return message;
}

/**
 * The access-unit message with the discontinuity flag as this client needs it: the shared
 * message itself when it already says so, else a copy with the flag set or cleared.
 */
export function withDiscontinuity(message: Buffer, discontinuity: boolean): Buffer {
  if (((message[1]! & AuFlag.discontinuity) !== 0) === discontinuity) return message;
  const copy = Buffer.from(message);
  copy[1] = discontinuity ? copy[1]! | AuFlag.discontinuity : copy[1]! & ~AuFlag.discontinuity;
  return copy;
}

/**
 * The configuration message for an SPS and PPS: the RFC 6381 codec string and the cropped size
 * from the SPS, the base64 `avcC` record (docs/websocket-video.md, message 1).
 * @throws RangeError when the SPS cannot be parsed or a parameter set is too large.
 */
export function configMessage(sps: Buffer, pps: Buffer): WsVideoConfigMessage {
  const info = parseSps(sps);
  return {
    type: 'config',
    version: WS_VIDEO_VERSION,
    codec: info.codec,
    width: info.width,
    height: info.height,
    description: buildAvcC(sps, pps).toString('base64'),
  };
}
