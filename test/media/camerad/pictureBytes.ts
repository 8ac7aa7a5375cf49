import { PICTURE_HEADER_BYTES, PICTURE_MAGIC, PICTURE_VERSION } from '../../../media/camerad/PictureMessage.js';

/**
 * A picture message built by hand from the table in native/PROTOCOL.md ("Picture messages"):
 * 40-byte big-endian header (magic, version, header length, format, flags, frame u64, capture
 * time µs u64, width u16, height u16, stride u32, request id u32, data length u32), then the data.
 */
export function pictureBytes(fields: {
  format: number;
  flags?: number;
  frame?: number;
  captureTimeUs?: number;
  width: number;
  height: number;
  stride: number;
  requestId?: number;
  data: Buffer;
  version?: number;
  headerBytes?: number;
  dataBytes?: number;
}): Buffer {
  const headerBytes = fields.headerBytes ?? PICTURE_HEADER_BYTES;
  const out = Buffer.alloc(Math.max(headerBytes, PICTURE_HEADER_BYTES) + fields.data.length);
  out.write(PICTURE_MAGIC, 0, 'latin1');
  out.writeUInt8(fields.version ?? PICTURE_VERSION, 4);
  out.writeUInt8(headerBytes, 5);
  out.writeUInt8(fields.format, 6);
  out.writeUInt8(fields.flags ?? 0, 7);
  out.writeBigUInt64BE(BigInt(fields.frame ?? 0), 8);
  out.writeBigUInt64BE(BigInt(fields.captureTimeUs ?? 0), 16);
  out.writeUInt16BE(fields.width, 24);
  out.writeUInt16BE(fields.height, 26);
  out.writeUInt32BE(fields.stride, 28);
  out.writeUInt32BE(fields.requestId ?? 0, 32);
  out.writeUInt32BE(fields.dataBytes ?? fields.data.length, 36);
  fields.data.copy(out, Math.max(headerBytes, PICTURE_HEADER_BYTES));
  return out;
}
