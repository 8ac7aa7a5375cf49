import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../server/config/projectRoot.js';
import { ImageDecoder } from '../../../server/vision/ImageDecoder.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';

/**
 * The photographs of test/fixtures/faces/images.json (installed and checksum-verified by
 * `scripts/install-models.sh --with-test-images`, which `scripts/setup.sh --with-tests` runs)
 * and the models of scripts/models.manifest.json.
 */

export const root = projectRoot();
export const imagesDir = join(root, 'test/fixtures/faces/images');

/** Faces in each photograph of other people, counted by eye (test/fixtures/faces/README.md). */
export const OTHER_PEOPLE: readonly { file: string; faces: number }[] = [
  { file: 'sample1.jpg', faces: 3 },
  { file: 'sample2.jpg', faces: 3 },
  { file: 'sample3.jpg', faces: 3 },
  { file: 'sample4.jpg', faces: 4 },
  { file: 'sample5.jpg', faces: 5 },
  { file: 'sample6.jpg', faces: 4 },
  { file: 'messi5.jpg', faces: 1 },
  { file: 'astronaut.png', faces: 1 },
];

/**
 * Throws, naming the command that installs them, unless every model and photograph is present.
 * (The files' checksums were verified when they were installed; the models' are verified again
 * when they are loaded.)
 */
export function assertFixturesInstalled(): void {
  const missing: string[] = [];
  // Each manifest and the folder its `file` paths are installed under (scripts/install-models.sh).
  for (const [manifest, into] of [
    ['scripts/models.manifest.json', 'models'],
    ['test/fixtures/faces/images.json', 'test/fixtures/faces'],
  ] as const) {
    const { files } = JSON.parse(readFileSync(join(root, manifest), 'utf8')) as { files: { file: string }[] };
    for (const f of files) {
      const path = join(root, into, f.file);
      if (!existsSync(path)) missing.push(path);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: run scripts/install-models.sh --with-test-images (scripts/setup.sh --with-tests does)`,
    );
  }
}

const decoder = new ImageDecoder(visionSchema.parse({}).upload);

/** A photograph of the fixtures, decoded. */
export function loadImage(file: string): Promise<RgbImage> {
  return decoder.decodeFile(join(imagesDir, file));
}

/** `width` × `height` pixels of `image` from (x, y), with `pad` pixels of mid-grey around them. */
export function cropPadded(
  image: RgbImage,
  x: number,
  y: number,
  width: number,
  height: number,
  pad: number,
): RgbImage {
  const w = width + 2 * pad;
  const h = height + 2 * pad;
  const data = new Uint8Array(w * h * 3).fill(128);
  const stride = image.stride ?? image.width * 3;
  for (let r = 0; r < height; r++) {
    const from = (y + r) * stride + x * 3;
    data.set(image.data.subarray(from, from + width * 3), ((r + pad) * w + pad) * 3);
  }
  return { width: w, height: h, data };
}

/**
 * The four photographs of the Yale subject in lbp_yale.jpg (664 × 380: the top row of a 4 × 2
 * grid of 166 × 190 cells; the bottom row shows their LBP images, not photographs), each with
 * 40 px of grey around it: the cells are cut tight to the face, and the detector was trained on
 * faces with some context.
 */
export async function yaleSubject(): Promise<RgbImage[]> {
  const grid = await loadImage('lbp_yale.jpg');
  if (grid.width !== 664 || grid.height !== 380) throw new Error(`lbp_yale.jpg is ${grid.width}×${grid.height}`);
  return [0, 1, 2, 3].map((i) => cropPadded(grid, i * 166, 0, 166, 190, 40));
}

/** min, median, max of `values`, 3 decimals. */
export function summary(values: readonly number[]): { n: number; min: number; median: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const mid = s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { n: s.length, min: round(s[0]!), median: round(mid), max: round(s.at(-1)!) };
}
