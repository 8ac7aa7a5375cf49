/**
 * Builds an AVCDecoderConfigurationRecord (`avcC`, ISO/IEC 14496-15 §5.3.3.1) from one SPS and
 * one PPS (NAL units with their header byte, no start code): what WebCodecs'
 * `VideoDecoder.configure({ description })` and an MP4 `avc1` sample entry need. NAL units in
 * the samples are prefixed with 4-byte lengths (`lengthSizeMinusOne` = 3). For the high
 * profiles (100, 110, 122, 144) the record ends with the chroma format and bit depths, taken as
 * 4:2:0 8-bit (what camerad's encoders produce: its caps pin I420).
 * @throws RangeError when a NAL unit is empty or over 65 535 bytes (the 16-bit length field).
 */
export function buildAvcC(sps: Uint8Array, pps: Uint8Array): Buffer {
  if (sps.length < 4 || sps.length > 0xffff) throw new RangeError(`SPS of ${sps.length} bytes`);
  if (pps.length < 1 || pps.length > 0xffff) throw new RangeError(`PPS of ${pps.length} bytes`);
  const profile = sps[1]!;
  const high = profile === 100 || profile === 110 || profile === 122 || profile === 144;
  const out = Buffer.alloc(11 + sps.length + pps.length + (high ? 4 : 0));
  let p = 0;
  out[p++] = 1; // configurationVersion
  out[p++] = profile; // AVCProfileIndication
  out[p++] = sps[2]!; // profile_compatibility
  out[p++] = sps[3]!; // AVCLevelIndication
  out[p++] = 0xfc | 3; // reserved (6 bits 1) + lengthSizeMinusOne
  out[p++] = 0xe0 | 1; // reserved (3 bits 1) + numOfSequenceParameterSets
  out.writeUInt16BE(sps.length, p);
  p += 2;
  out.set(sps, p);
  p += sps.length;
  out[p++] = 1; // numOfPictureParameterSets
  out.writeUInt16BE(pps.length, p);
  p += 2;
  out.set(pps, p);
  if (high) {
    // reserved + chroma_format (4:2:0), reserved + bit depths − 8 (0), numOfSequenceParameterSetExt
    out.set([0xfc | 1, 0xf8, 0xf8, 0], p + pps.length);
  }
  return out;
}
