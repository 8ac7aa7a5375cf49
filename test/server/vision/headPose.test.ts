import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaceAnalyzer } from '../../../server/vision/FaceAnalyzer.js';
import { facesSchema } from '../../../server/vision/facesConfig.js';
import { poseOf, yawRatio } from '../../../server/vision/headPose.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';
import type { Point, RgbImage } from '../../../server/vision/visionTypes.js';
import { testLogger } from '../../helpers/logger.js';
import { turningFaces } from '../../helpers/turningFace.js';
import { assertFixturesInstalled, loadImage, root, yaleSubject } from './faceFixtures.js';

/** The defaults of faces.liveness.yawTurn and yawCenter. */
const THRESHOLDS = { turn: facesSchema.parse({}).liveness.yawTurn, center: facesSchema.parse({}).liveness.yawCenter };

/** A horizontally mirrored copy of an RGB24 image. */
function mirror(image: RgbImage): RgbImage {
  const { width, height } = image;
  const stride = image.stride ?? width * 3;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = y * stride + (width - 1 - x) * 3;
      data.set(image.data.subarray(from, from + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

describe('head yaw from the 68 landmarks', () => {
  let analyzer: FaceAnalyzer;

  /** Yaw ratio of the largest face of `image`. */
  const yawOf = async (image: RgbImage): Promise<number> => {
    const faces = await analyzer.detect(image);
    assert.ok(faces.length >= 1, 'a face is found');
    const largest = [...faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0]!;
    const [points] = await analyzer.landmarks68(image, [largest.box]);
    return yawRatio(points!);
  };

  before(async () => {
    assertFixturesInstalled();
    analyzer = await FaceAnalyzer.create(visionSchema.parse({ providers: ['cpu'], intraOpThreads: 1 }), {
      root,
      logger: testLogger,
    });
  });

  after(async () => {
    await analyzer?.close();
  });

  it('is the nose tip’s place between the jaw line’s ends, −1..1', () => {
    const points: Point[] = Array.from({ length: 68 }, () => [50, 50] as const);
    points[0] = [0, 40];
    points[16] = [100, 40];
    points[30] = [50, 60];
    assert.equal(yawRatio(points), 0);
    points[30] = [80, 60];
    assert.ok(Math.abs(yawRatio(points) - 0.6) < 1e-9);
    points[30] = [-20, 60];
    assert.equal(yawRatio(points), -1, 'clamped');
    assert.throws(() => yawRatio(points.slice(1)), TypeError);
    assert.deepEqual(
      [0.5, 0.35, 0.25, 0.2, 0.1, -0.19, -0.36].map((y) => poseOf(y, THRESHOLDS)),
      ['left', 'left', null, 'center', 'center', 'center', 'right'],
    );
  });

  it('photographs facing the camera read as centre; turned heads as left/right, mirrored the other way', async () => {
    const frontal = [...(await yaleSubject()), await loadImage('astronaut.png')];
    const turning = await turningFaces();
    const centre = [...frontal, turning.a.center, turning.a.center2, turning.b.center];
    const yaws = { centre: [] as number[], left: [] as number[], right: [] as number[] };
    for (const image of centre) yaws.centre.push(await yawOf(image));
    for (const image of [turning.a.left, turning.b.left]) yaws.left.push(await yawOf(image));
    for (const image of [turning.a.right, turning.b.right]) yaws.right.push(await yawOf(image));
    const shown = JSON.stringify(yaws, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v));
    assert.ok(
      yaws.centre.every((y) => poseOf(y, THRESHOLDS) === 'center'),
      shown,
    );
    assert.ok(
      yaws.left.every((y) => poseOf(y, THRESHOLDS) === 'left'),
      shown,
    );
    assert.ok(
      yaws.right.every((y) => poseOf(y, THRESHOLDS) === 'right'),
      shown,
    );
    // Mirroring a photograph flips the sign (the estimate has no left/right bias).
    for (const image of [turning.a.left, turning.b.right, ...frontal.slice(0, 2)]) {
      const [y, m] = [await yawOf(image), await yawOf(mirror(image))];
      assert.ok(Math.abs(y + m) < 0.2, `yaw ${y.toFixed(2)}, mirrored ${m.toFixed(2)}`);
    }
  });
});
