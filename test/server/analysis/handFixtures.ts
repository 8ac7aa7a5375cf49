import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../server/config/projectRoot.js';
import type { Gesture } from '../../../server/analysis/hands/GestureClassifier.js';
import { ImageDecoder } from '../../../server/vision/ImageDecoder.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';

/**
 * The hand photographs of test/fixtures/hands/images.json (installed and checksum-verified by
 * `scripts/install-models.sh --with-test-images`): one sample per labelled hand, cut to its
 * pinned crop when the photograph shows several.
 */

export const root = projectRoot();
const fixturesDir = join(root, 'test/fixtures/hands');

interface ManifestFile {
  id: string;
  file: string;
  hands: { expected: Gesture; crop?: [number, number, number, number]; description?: string }[];
}

/** One labelled hand. */
export interface HandSample {
  /** `<file id>#<hand index>`. */
  id: string;
  /** The photograph's id (a photograph counts once however many hands it shows). */
  photo: string;
  expected: Gesture;
  image: RgbImage;
}

/** The manifest's photographs and their labelled hands. */
export function handManifest(): ManifestFile[] {
  return (JSON.parse(readFileSync(join(fixturesDir, 'images.json'), 'utf8')) as { files: ManifestFile[] }).files;
}

/** Throws, naming the command that installs them, unless every photograph is present. */
export function assertHandFixturesInstalled(): void {
  const missing = handManifest()
    .map((f) => join(fixturesDir, f.file))
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run scripts/install-models.sh --with-test-images`);
  }
}

/** `region` of `image` as its own picture (the region lies inside the image). */
export function cropImage(image: RgbImage, [x, y, width, height]: readonly number[]): RgbImage {
  const stride = image.stride ?? image.width * 3;
  const data = new Uint8Array(width! * height! * 3);
  for (let row = 0; row < height!; row++) {
    const from = (y! + row) * stride + x! * 3;
    data.set(image.data.subarray(from, from + width! * 3), row * width! * 3);
  }
  return { width: width!, height: height!, data };
}

const decoder = new ImageDecoder(visionSchema.parse({}).upload);

/** A photograph of the fixture, decoded. */
export function loadHandPhoto(file: string): Promise<RgbImage> {
  return decoder.decodeFile(join(fixturesDir, file));
}

/** Every labelled hand, decoded and cropped. */
export async function loadHandSamples(): Promise<HandSample[]> {
  const samples: HandSample[] = [];
  for (const f of handManifest()) {
    const image = await loadHandPhoto(f.file);
    f.hands.forEach((hand, i) => {
      samples.push({
        id: `${f.id}#${i}`,
        photo: f.id,
        expected: hand.expected,
        image: hand.crop ? cropImage(image, hand.crop) : image,
      });
    });
  }
  return samples;
}

/** How the tests look for the one hand of a sample (still picture: the whole-picture ROI too). */
export const FIND_ONE_HAND = { maxHands: 1, minDetectionScore: 0.5, minPresenceScore: 0.5, wholePicture: true };
