/**
 * H.264 RTP payload inspection (RFC 6184). Only what the SFU needs: does this packet start
 * a decodable access unit (SPS, or an IDR slice)?
 */

/** NAL unit types (ITU-T H.264 Table 7-1; RFC 6184 §5.2 for the aggregation and fragmentation units 24 and 28). */
export const NalType = { idr: 5, sps: 7, pps: 8, aud: 9, stapA: 24, fuA: 28 } as const;

/** Size of the fixed RTP header without CSRCs or extensions, in bytes (RFC 3550 §5.1). */
const RTP_FIXED_HEADER = 12;

/**
 * Returns the offset of the RTP payload in `packet`, skipping CSRCs and the header extension
 * (RFC 3550 §5.1, §5.3.1), or -1 when the packet is too short to be RTP.
 */
export function rtpPayloadOffset(packet: Uint8Array): number {
  const length = packet.length;
  if (length < RTP_FIXED_HEADER) return -1;
  const csrcCount = packet[0]! & 0x0f;
  let offset = RTP_FIXED_HEADER + csrcCount * 4;
  if (packet[0]! & 0x10) {
    if (length < offset + 4) return -1;
    const words = (packet[offset + 2]! << 8) | packet[offset + 3]!;
    offset += 4 + words * 4;
  }
  return offset < length ? offset : -1;
}

/**
 * True when the packet carries the start of an SPS or IDR NAL unit: single NAL (types 1–23),
 * STAP-A (24, any aggregated unit) or the first FU-A fragment (28, S bit set) — RFC 6184 §5.6–5.8.
 * With `config-interval=-1` camerad sends SPS/PPS before every IDR, so forwarding from such a
 * packet lets a decoder start cleanly.
 */
export function startsKeyframe(packet: Uint8Array): boolean {
  const offset = rtpPayloadOffset(packet);
  return offset >= 0 && payloadStartsKeyframe(packet, offset);
}

/** {@link startsKeyframe} for a packet whose payload offset is known (`rtpPayloadOffset`, ≥ 0). */
export function payloadStartsKeyframe(packet: Uint8Array, offset: number): boolean {
  const length = packet.length;
  const nalType = packet[offset]! & 0x1f;
  if (nalType === NalType.sps || nalType === NalType.idr) return true;
  if (nalType === NalType.fuA) {
    const fuHeader = packet[offset + 1];
    if (fuHeader === undefined || (fuHeader & 0x80) === 0) return false;
    const t = fuHeader & 0x1f;
    return t === NalType.sps || t === NalType.idr;
  }
  if (nalType === NalType.stapA) {
    let p = offset + 1;
    while (p + 2 < length) {
      const size = (packet[p]! << 8) | packet[p + 1]!;
      const t = packet[p + 2]! & 0x1f;
      if (t === NalType.sps || t === NalType.idr) return true;
      p += 2 + size;
    }
  }
  return false;
}
