import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc8Smbus, decodeProbe, drawProbe, encodeProbeBits, probeBlockSize } from '../../web/src/probeCodec.js';

/**
 * Unit tests of the latency probe codec (docs/latency-probe.md, layout version 1). Run with
 * `node --import tsx --test test/web/probeCodec.test.ts`.
 */

/** A grey-noise RGBA picture (no strip), deterministic. */
function picture(width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7 + 3) % 251;
  return rgba;
}

describe('latency probe codec (docs/latency-probe.md)', () => {
  it('block size: clamp(floor(width / 56), 2, 16), rounded down to even', () => {
    assert.equal(probeBlockSize(1280), 16);
    assert.equal(probeBlockSize(1920), 16);
    assert.equal(probeBlockSize(640), 10);
    assert.equal(probeBlockSize(320), 4);
    assert.equal(probeBlockSize(100), 2);
    // A crop of just the strip (56·B px wide) gives back B.
    for (const b of [2, 4, 10, 16]) assert.equal(probeBlockSize(56 * b), b);
  });

  it('CRC-8/SMBUS check value: "123456789" -> 0xF4 (reveng CRC catalogue)', () => {
    assert.equal(crc8Smbus([...'123456789'].map((c) => c.charCodeAt(0))), 0xf4);
  });

  it('bits of 1700000000123 ms match an independent encoder (Python int.to_bytes + CRC)', () => {
    // python3: (0xA << 52) | (t << 8) | crc8(t.to_bytes(6, "big")), CRC 0x4c.
    const expected = '10100001100010111100111111100101011010000111101101001100';
    assert.equal(encodeProbeBits(1_700_000_000_123).join(''), expected);
  });

  for (const [width, height] of [
    [1280, 720],
    [640, 480],
    [320, 240],
    [1920, 1080],
  ] as const) {
    it(`${width}x${height}: draw -> decode round trip; no strip -> null`, () => {
      const rgba = picture(width, height);
      assert.equal(decodeProbe(rgba, width, height), null);
      const ms = 1_763_899_123_456;
      drawProbe(rgba, width, height, ms);
      assert.equal(decodeProbe(rgba, width, height), ms);
    });
  }

  it('decodes a crop of only the strip (56·B × B px), as the viewer reads it', () => {
    const b = probeBlockSize(1280);
    const full = picture(1280, 720);
    drawProbe(full, 1280, 720, 1_763_899_000_001);
    const crop = new Uint8ClampedArray(56 * b * b * 4);
    for (let row = 0; row < b; row++) {
      const src = (720 - b + row) * 1280 * 4;
      crop.set(full.subarray(src, src + 56 * b * 4), row * 56 * b * 4);
    }
    assert.equal(decodeProbe(crop, 56 * b, b), 1_763_899_000_001);
  });

  it('rejects a strip with one flipped time bit (CRC) or a broken sync pattern', () => {
    const [width, height] = [1280, 720];
    const b = probeBlockSize(width);
    const flip = (block: number): number | null => {
      const rgba = picture(width, height);
      drawProbe(rgba, width, height, 1_763_899_123_456);
      for (let y = height - b; y < height; y++) {
        for (let x = block * b; x < (block + 1) * b; x++) {
          const i = (y * width + x) * 4;
          rgba[i] = rgba[i + 1] = rgba[i + 2] = 255 - rgba[i]!;
        }
      }
      return decodeProbe(rgba, width, height);
    };
    assert.equal(flip(20), null);
    assert.equal(flip(1), null);
    assert.equal(flip(50), null);
  });

  it('tolerates coding noise: ±60 on every pixel of the strip still decodes', () => {
    const [width, height] = [1280, 720];
    const rgba = picture(width, height);
    drawProbe(rgba, width, height, 1_763_899_123_456);
    for (let i = 0; i < rgba.length; i += 4) {
      const noise = ((i / 4) % 121) - 60;
      for (let c = 0; c < 3; c++) rgba[i + c] = rgba[i + c]! + noise;
    }
    assert.equal(decodeProbe(rgba, width, height), 1_763_899_123_456);
  });

  it('too small for the strip -> null', () => {
    assert.equal(decodeProbe(picture(100, 50), 100, 50), null);
  });
});
