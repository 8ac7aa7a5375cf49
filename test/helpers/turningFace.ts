import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { projectRoot } from '../../server/config/projectRoot.js';
import type { RgbImage } from '../../server/vision/visionTypes.js';

/**
 * Real frames of faces turning, from the sample footage `data/samples/Megamind.avi` (Debian
 * opencv-doc, installed and SHA-256-checked by scripts/setup.sh: scripts/samples.sha256), for
 * the liveness challenge. The clip is decoded with GStreamer at 4 frames per second; frame n is
 * the one shown at n × 0.25 s. Two people (rendered film characters) appear in close-up:
 *
 * - `a`, the woman: frames 22 (5.5 s, head turned to her own left: yaw ratio ≈ +0.76) and 52,
 *   53 (13 s, 13.25 s, facing the camera: ≈ +0.05);
 * - `b`, the man: frame 33 (8.25 s, turned to his own right: ≈ −0.53) and 60 (15 s, facing the
 *   camera: ≈ −0.08).
 *
 * The clip has each person turn one way only, so the other way is the same frame mirrored
 * (a face is close to symmetric; the landmarks and the yaw ratio flip with it). Each frame is
 * cropped to a square twice the face box's side around the face's centre (boxes measured with
 * the server's UltraFace detector), so that the face sits at the same place in every frame and
 * the tracker keeps one track when the photographs change.
 */
export interface TurningFaces {
  a: { left: RgbImage; right: RgbImage; center: RgbImage; center2: RgbImage };
  b: { left: RgbImage; right: RgbImage; center: RgbImage };
}

/** Face boxes [x, y, w, h] in the 720 × 528 frames. */
const BOXES: Record<number, [number, number, number, number]> = {
  22: [272, 179, 138, 168],
  52: [208, 152, 154, 179],
  53: [213, 133, 157, 191],
  33: [404, 141, 142, 184],
  60: [278, 31, 240, 394],
};

/** Extracts and crops the frames (about 5 s: the clip is decoded once). */
export async function turningFaces(): Promise<TurningFaces> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-megamind-'));
  try {
    execFileSync(
      'gst-launch-1.0',
      [
        '-q',
        'filesrc',
        `location=${join(projectRoot(), 'data/samples/Megamind.avi')}`,
        '!',
        'decodebin',
        '!',
        'videoconvert',
        '!',
        'videorate',
        '!',
        'video/x-raw,framerate=4/1',
        '!',
        'pngenc',
        '!',
        'multifilesink',
        `location=${join(dir, 'f%04d.png')}`,
      ],
      { stdio: 'ignore', timeout: 120_000 },
    );
    const crop = async (n: number, mirror = false): Promise<RgbImage> => {
      const [x, y, w, h] = BOXES[n]!;
      const side = Math.round(2 * Math.max(w, h));
      const pad = side;
      const cx = Math.round(x + w / 2);
      const cy = Math.round(y + h / 2);
      // Padded with mid-grey first (one operation per sharp pipeline keeps the order explicit).
      const padded = await sharp(join(dir, `f${String(n).padStart(4, '0')}.png`))
        .removeAlpha()
        .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } })
        .png()
        .toBuffer();
      const left = Math.round(cx - side / 2 + pad);
      const top = Math.round(cy - side / 2 + pad);
      let img = sharp(padded).extract({ left, top, width: side, height: side });
      if (mirror) img = sharp(await img.png().toBuffer()).flop();
      const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data) };
    };
    return {
      a: { left: await crop(22), right: await crop(22, true), center: await crop(52), center2: await crop(53) },
      b: { left: await crop(33, true), right: await crop(33), center: await crop(60) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
