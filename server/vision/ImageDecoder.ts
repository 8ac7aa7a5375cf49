import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { BadRequestError } from '../../media/core/errors.js';
import type { RgbImage } from './visionTypes.js';

/** Options of {@link ImageDecoder}: `vision.upload.maxBytes` and `.maxPixels` (defaults in visionConfig.ts). */
export interface ImageDecoderOptions {
  /** Largest accepted file, bytes. */
  maxBytes: number;
  /** Largest accepted width × height, pixels. */
  maxPixels: number;
}

/** JPEG starts FF D8 FF; PNG with its 8-byte signature (ISO/IEC 10918-1 B.1.1.2, RFC 2083 §3.1). */
function formatOf(bytes: Uint8Array): 'jpeg' | 'png' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  return null;
}

/**
 * Decodes uploaded JPEG and PNG images to RGB24 (sharp/libvips, off the JS thread), upright
 * (EXIF orientation applied, as phones save portraits), alpha dropped, grey expanded to RGB.
 * Anything else, or too large, is a {@link BadRequestError} naming `field`, checked before the
 * pixels are decoded: the byte limit first, then the format's signature, then the size read
 * from the header.
 */
export class ImageDecoder {
  readonly maxBytes: number;
  readonly maxPixels: number;

  constructor(options: ImageDecoderOptions) {
    this.maxBytes = options.maxBytes;
    this.maxPixels = options.maxPixels;
    if (!(this.maxBytes > 0)) throw new TypeError('options.maxBytes must be positive');
    if (!(this.maxPixels > 0)) throw new TypeError('options.maxPixels must be positive');
  }

  /**
   * @param field the request field the bytes came from, named in errors (default 'image').
   * @throws BadRequestError empty, too many bytes, not JPEG/PNG, too many pixels, or corrupt.
   */
  async decode(bytes: Uint8Array, field = 'image'): Promise<RgbImage> {
    if (bytes.length === 0) throw new BadRequestError('the image is empty', field);
    if (bytes.length > this.maxBytes) {
      throw new BadRequestError(`the image is larger than ${this.maxBytes} bytes`, field);
    }
    const format = formatOf(bytes);
    if (!format) throw new BadRequestError('not a JPEG or PNG image', field);
    let width: number | undefined;
    let height: number | undefined;
    try {
      ({ width, height } = await sharp(bytes).metadata());
    } catch (error) {
      throw new BadRequestError(`not a readable ${format.toUpperCase()} image: ${messageOf(error)}`, field);
    }
    if (!width || !height) throw new BadRequestError(`not a readable ${format.toUpperCase()} image`, field);
    if (width * height > this.maxPixels) {
      throw new BadRequestError(`the image has ${width}×${height} pixels, more than ${this.maxPixels}`, field);
    }
    try {
      const { data, info } = await sharp(bytes, { limitInputPixels: this.maxPixels, failOn: 'error' })
        .autoOrient()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
      return {
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      };
    } catch (error) {
      throw new BadRequestError(`not a readable ${format.toUpperCase()} image: ${messageOf(error)}`, field);
    }
  }

  /** Reads and decodes a file (tests, benches, tools) under the same limits. */
  async decodeFile(path: string): Promise<RgbImage> {
    return this.decode(await readFile(path), path);
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
