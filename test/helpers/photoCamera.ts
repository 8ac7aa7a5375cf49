import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../server/vision/visionTypes.js';

/**
 * A folder of photographs as a camera (`dir://`: camerad shows the newest JPEG): each photograph
 * is scaled to 85 % of the frame height and centred on mid-grey, so faces keep their aspect.
 */
export class PhotoCamera {
  readonly dir = mkdtempSync(join(tmpdir(), 'ecs-photo-camera-'));

  /**
   * @param width output width, px.
   * @param height output height, px.
   */
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** The camera's entry for `ECS_CAMERAS` (images stay live for an hour). */
  camera(id: string): Record<string, unknown> {
    return {
      id,
      source: `dir://${this.dir}`,
      width: this.width,
      height: this.height,
      fps: 10,
      bitrateKbps: 800,
      dirMaxAgeMs: 3_600_000,
    };
  }

  /** Puts a photograph in front of the camera (written to a hidden file, then renamed). */
  async show(photo: RgbImage, name: string): Promise<void> {
    const face = await sharp(Buffer.from(photo.data), {
      raw: { width: photo.width, height: photo.height, channels: 3 },
    })
      .resize({ height: Math.round(this.height * 0.85) })
      .png()
      .toBuffer();
    const jpeg = await sharp({
      create: { width: this.width, height: this.height, channels: 3, background: { r: 128, g: 128, b: 128 } },
    })
      .composite([{ input: face, gravity: 'centre' }])
      .jpeg({ quality: 92 })
      .toBuffer();
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, jpeg);
    renameSync(tmp, join(this.dir, `${name}.jpg`));
  }

  #rewrite: NodeJS.Timeout | undefined;
  #written = 0;

  /**
   * Shows a JPEG of the whole picture as it is (no scaling) and writes it again every `everyMs`:
   * camerad sends analysis frames only for new source frames, as a capture folder gets them.
   * Replaces what was shown and any earlier repetition; `close()` stops it.
   */
  showRepeatedly(jpeg: Buffer, everyMs = 200): void {
    clearInterval(this.#rewrite);
    const write = (): void => {
      const tmp = join(this.dir, '.repeated.tmp');
      writeFileSync(tmp, jpeg);
      renameSync(tmp, join(this.dir, `repeated-${this.#written++ % 2}.jpg`));
    };
    write();
    this.#rewrite = setInterval(write, everyMs);
  }

  /** Stops `showRepeatedly`'s rewriting; the last image stays (and ages). */
  stopRepeating(): void {
    clearInterval(this.#rewrite);
  }

  close(): void {
    clearInterval(this.#rewrite);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Overlay green `#00e676` (server/vision/FacePipeline.ts) after YUV and, in the browser, H.264. */
export const isOverlayGreen = ([r, g, b]: readonly number[]): boolean =>
  r! <= 110 && g! >= 160 && b! >= 40 && b! <= 200;

/** Pixels on the centre lines of a box's side and bottom strokes, `t` px thick (drawn inside the box). */
export function boxEdgePixels([x, y, w, h]: readonly number[], t: number): [number, number][] {
  const points: [number, number][] = [];
  const half = Math.floor(t / 2);
  for (let i = x! + t; i < x! + w! - t; i++) points.push([i, y! + h! - half - 1]);
  for (let j = y! + t; j < y! + h! - t; j++) points.push([x! + half, j], [x! + w! - half - 1, j]);
  return points;
}
