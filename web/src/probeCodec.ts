/**
 * Codec of the latency probe strip, layout version 1 (docs/latency-probe.md; camerad's side is
 * native/src/LatencyProbe.cpp). Pure functions without DOM access, so node can unit-test them.
 *
 * The strip: 56 square blocks of `B` px along the bottom edge from x = 0; blocks 0–3 are the
 * sync pattern 1 0 1 0, blocks 4–47 the capture time in ms since the Unix epoch (44 bits, MSB
 * first), blocks 48–55 its CRC-8/SMBUS over the time as 6 big-endian bytes. White = 1.
 */

/** Blocks in the strip: 4 sync + 44 time + 8 CRC. */
export const PROBE_BLOCKS = 56;
/** Bits of the capture time (ms since the Unix epoch; lasts until the year 2527). */
export const PROBE_TIME_BITS = 44;
/** Sync pattern of blocks 0–3, block 0 first. */
const SYNC = [1, 0, 1, 0] as const;
/** 2^44: the capture time is taken modulo this. */
const TIME_RANGE = 2 ** PROBE_TIME_BITS;

/**
 * Block edge in px for a picture `width` px wide: `clamp(floor(width / 56), 2, 16)` rounded down
 * to even (1280 → 16, 640 → 10, 320 → 4). Also right for a crop of just the strip
 * (`56·B` px wide), which the viewer decodes.
 */
export function probeBlockSize(width: number): number {
  const b = Math.min(16, Math.max(2, Math.floor(width / PROBE_BLOCKS)));
  return b - (b % 2);
}

/** CRC-8/SMBUS: polynomial 0x07, initial value 0, no reflection, no final XOR (check("123456789") = 0xF4). */
export function crc8Smbus(bytes: ArrayLike<number>): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The 44-bit time as the 6 big-endian bytes the CRC covers (top 4 bits zero). */
function timeBytes(time: number): number[] {
  const bytes: number[] = [];
  for (let i = 5; i >= 0; i--) bytes.push(Math.floor(time / 2 ** (8 * i)) % 256);
  return bytes;
}

/**
 * The 56 bits of the strip for a capture time in ms since the Unix epoch (taken modulo 2^44),
 * block 0 first. The inverse of `decodeProbe`; used by tests and synthetic senders.
 */
export function encodeProbeBits(captureMs: number): number[] {
  const time = ((Math.floor(captureMs) % TIME_RANGE) + TIME_RANGE) % TIME_RANGE;
  const bits: number[] = [...SYNC];
  for (let i = PROBE_TIME_BITS - 1; i >= 0; i--) bits.push(Math.floor(time / 2 ** i) % 2);
  const crc = crc8Smbus(timeBytes(time));
  for (let i = 7; i >= 0; i--) bits.push((crc >> i) & 1);
  return bits;
}

/** How the pixels handed to {@link decodeProbe} are laid out. */
export interface PixelLayout {
  /** Bytes per pixel: 4 for RGBA (`ImageData.data`), 1 for grey/luma. */
  channels: number;
  /** Bytes from one row to the next; default `width · channels`. */
  stride?: number;
}

/**
 * Reads the probe from a picture (default RGBA, rows `width·4` bytes apart, as `ImageData.data`;
 * or grey, `{ channels: 1, stride }`): the strip lies in the bottom `B` rows,
 * `B = probeBlockSize(width)`. Each block's centre half (B/2 × B/2 px) is averaged; a mean
 * brightness ((R+G+B)/3, or the grey value) above 128 is a 1. Returns the capture time in ms
 * since the Unix epoch, or null when the sync pattern or the CRC does not match (no probe in the
 * picture, or a damaged one) or the picture is too small for the strip.
 */
export function decodeProbe(
  pixels: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  layout: PixelLayout = { channels: 4 },
): number | null {
  const { channels } = layout;
  const stride = layout.stride ?? width * channels;
  const b = probeBlockSize(width);
  if (PROBE_BLOCKS * b > width || b > height || pixels.length < stride * (height - 1) + width * channels) return null;
  const y0 = height - b;
  const from = b >> 2;
  const span = Math.max(1, b >> 1);
  // Colour channels summed per pixel (R, G, B; alpha is skipped), against 128 each.
  const samples = Math.min(3, channels);
  const threshold = samples * 128 * span * span;
  const bits: number[] = [];
  for (let block = 0; block < PROBE_BLOCKS; block++) {
    const x0 = block * b + from;
    let sum = 0;
    for (let row = y0 + from; row < y0 + from + span; row++) {
      let i = row * stride + x0 * channels;
      for (let col = 0; col < span; col++, i += channels) {
        for (let c = 0; c < samples; c++) sum += pixels[i + c]!;
      }
    }
    const bit = sum > threshold ? 1 : 0;
    // Stop at the first sync mismatch: most frames without a probe fail here, cheaply.
    if (block < SYNC.length && bit !== SYNC[block]) return null;
    bits.push(bit);
  }
  let time = 0;
  for (let i = SYNC.length; i < SYNC.length + PROBE_TIME_BITS; i++) time = time * 2 + bits[i]!;
  let crc = 0;
  for (let i = SYNC.length + PROBE_TIME_BITS; i < PROBE_BLOCKS; i++) crc = (crc << 1) | bits[i]!;
  return crc8Smbus(timeBytes(time)) === crc ? time : null;
}

/**
 * Paints the strip for `captureMs` into an RGBA picture in place (white 235, black 16, as
 * camerad's limited-range luma shows after conversion). For tests and synthetic sources.
 */
export function drawProbe(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  captureMs: number,
): void {
  const b = probeBlockSize(width);
  const bits = encodeProbeBits(captureMs);
  const stripWidth = Math.min(PROBE_BLOCKS * b, width);
  for (let row = Math.max(0, height - b); row < height; row++) {
    for (let x = 0; x < stripWidth; x++) {
      const v = bits[Math.floor(x / b)] ? 235 : 16;
      const i = (row * width + x) * 4;
      rgba[i] = rgba[i + 1] = rgba[i + 2] = v;
      rgba[i + 3] = 255;
    }
  }
}
