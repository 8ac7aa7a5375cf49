import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../server/config/projectRoot.js';
import { ImageDecoder } from '../../../server/vision/ImageDecoder.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { assertSha256, vtestFrames } from './vtestFrames.js';

/**
 * The photographs and vtest.avi frames of test/fixtures/objects/images.json with the people and
 * vehicles counted by eye (installed and checksum-verified by
 * `scripts/install-models.sh --with-test-images`).
 */

export const root = projectRoot();
const dir = join(root, 'test/fixtures/objects');

/** One vehicle counted by eye and the COCO classes that count as finding it. */
export interface CountedVehicle {
  what: string;
  classes: string[];
}

interface Counts {
  persons: number;
  vehicles: CountedVehicle[];
}

interface ManifestFile extends Partial<Counts> {
  id: string;
  file: string;
  sha256: string;
  frames?: Record<string, Counts>;
}

/** A picture with its hand counts. */
export interface CountedPicture extends Counts {
  /** File name, or `vtest.avi#<frame>`. */
  name: string;
  image: RgbImage;
}

function manifest(): ManifestFile[] {
  return (JSON.parse(readFileSync(join(dir, 'images.json'), 'utf8')) as { files: ManifestFile[] }).files;
}

/** The installed path of the manifest entry `id`. */
export function fixturePath(id: string): string {
  const entry = manifest().find((f) => f.id === id);
  if (!entry) throw new Error(`no ${id} in test/fixtures/objects/images.json`);
  return join(dir, entry.file);
}

/** Throws, naming the command that installs them, unless every file is present. */
export function assertObjectFixturesInstalled(): void {
  const missing = manifest()
    .map((f) => join(dir, f.file))
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run scripts/install-models.sh --with-test-images`);
  }
}

/** Every counted picture: the photographs, then the counted frames of vtest.avi. */
export async function countedPictures(): Promise<CountedPicture[]> {
  const decoder = new ImageDecoder(visionSchema.parse({}).upload);
  const pictures: CountedPicture[] = [];
  for (const f of manifest()) {
    const path = join(dir, f.file);
    if (f.frames) {
      await assertSha256(path, f.sha256);
      const frames = await vtestFrames(path, Object.keys(f.frames).map(Number));
      for (const [index, image] of frames) {
        const counts = f.frames[String(index)]!;
        pictures.push({ name: `${f.file.split('/').pop()}#${index}`, image, ...counts });
      }
    } else {
      pictures.push({
        name: f.file.split('/').pop()!,
        image: await decoder.decodeFile(path),
        persons: f.persons ?? 0,
        vehicles: f.vehicles ?? [],
      });
    }
  }
  return pictures;
}

/**
 * A camera entry for `ECS_CAMERAS` playing the installed `vtest.avi` (768 × 576, people walking
 * in a square) at 10 fps with `analyzers`.
 */
export function vtestCamera(id: string, analyzers: unknown[]): Record<string, unknown> {
  return {
    id,
    source: `file://${fixturePath('vtest')}`,
    width: 768,
    height: 576,
    fps: 10,
    bitrateKbps: 800,
    analyzers,
  };
}
