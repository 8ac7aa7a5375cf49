import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { BadRequestError } from '../../../media/core/errors.js';
import { ImageDecoder } from '../../../server/vision/ImageDecoder.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';

/** A width × height image, left half red and right half blue, encoded by sharp. */
async function encoded(format: 'png' | 'jpeg', width: number, height: number, orientation?: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
  }
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (orientation) image = image.withMetadata({ orientation });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
}

function badRequest(pattern: RegExp, field = 'photo') {
  return (error: unknown): boolean => {
    assert.ok(error instanceof BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.field, field);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('ImageDecoder', () => {
  const decoder = new ImageDecoder({ maxBytes: 200_000, maxPixels: 100_000 });

  it('decodes PNG and JPEG to RGB24', async () => {
    for (const format of ['png', 'jpeg'] as const) {
      const image = await decoder.decode(await encoded(format, 40, 20), 'photo');
      assert.equal(image.width, 40);
      assert.equal(image.height, 20);
      assert.equal(image.data.length, 40 * 20 * 3);
      const left = Array.from(image.data.subarray(0, 3));
      const right = Array.from(image.data.subarray(39 * 3, 40 * 3));
      assert.ok(left[0]! > 240 && left[2]! < 15, `${format}: left is red, got ${left}`);
      assert.ok(right[2]! > 240 && right[0]! < 15, `${format}: right is blue, got ${right}`);
    }
  });

  it('applies the EXIF orientation (a phone portrait arrives upright)', async () => {
    // Orientation 6: the stored picture is shown rotated 90° clockwise.
    const image = await decoder.decode(await encoded('jpeg', 40, 20, 6), 'photo');
    assert.deepEqual([image.width, image.height], [20, 40]);
  });

  it('expands grey images to RGB and drops alpha', async () => {
    const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .greyscale()
      .toColourspace('b-w')
      .png()
      .toBuffer();
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#ff000080' } })
      .png()
      .toBuffer();
    for (const bytes of [grey, rgba]) {
      const image = await decoder.decode(bytes);
      assert.equal(image.data.length, 8 * 8 * 3);
    }
  });

  it('rejects what is not a JPEG or PNG, too large, or corrupt, naming the field', async () => {
    await assert.rejects(decoder.decode(new Uint8Array(0), 'photo'), badRequest(/empty/));
    await assert.rejects(decoder.decode(Buffer.from('GIF89a....'), 'photo'), badRequest(/not a JPEG or PNG/));
    await assert.rejects(
      decoder.decode(new Uint8Array(200_001).fill(0xff), 'photo'),
      badRequest(/larger than 200000 bytes/),
    );
    await assert.rejects(
      decoder.decode(await encoded('png', 400, 300), 'photo'),
      badRequest(/400×300 pixels, more than 100000/),
    );
    const jpeg = await encoded('jpeg', 40, 20);
    await assert.rejects(decoder.decode(jpeg.subarray(0, 200), 'photo'), badRequest(/not a readable JPEG/));
    const png = await encoded('png', 40, 20);
    await assert.rejects(decoder.decode(png.subarray(0, 40), 'photo'), badRequest(/not a readable PNG/));
    await assert.rejects(
      new ImageDecoder(visionSchema.parse({}).upload).decode(Buffer.from('nope')),
      badRequest(/not a JPEG or PNG/, 'image'),
    );
  });
});
