import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidStateError, NotFoundError } from '../../../media/core/errors.js';
import { cosineSimilarity } from '../../../server/vision/cosineSimilarity.js';
import { FaceAligner } from '../../../server/vision/FaceAligner.js';
import { FaceAnalyzer } from '../../../server/vision/FaceAnalyzer.js';
import { FaceEmbedder } from '../../../server/vision/FaceEmbedder.js';
import { FaceLandmarker68 } from '../../../server/vision/FaceLandmarker68.js';
import { OnnxSessionFactory } from '../../../server/vision/OnnxSessionFactory.js';
import { UltraFaceDetector } from '../../../server/vision/UltraFaceDetector.js';
import { ultraFaceDetectorSchema } from '../../../server/vision/visionConfig.js';
import type { DetectedFace, FaceDetector, RgbImage } from '../../../server/vision/visionTypes.js';
import { testLogger } from '../../helpers/logger.js';
import { assertFixturesInstalled, loadImage, root } from './faceFixtures.js';

/**
 * The pipeline's plumbing with the real models. A detector that gives five points itself (as
 * SCRFD does) is stood in for by UltraFace + the landmark model, since no SCRFD model can be
 * installed from a registry package.
 */
/** The `ultraface` entry's defaults, keeping every face (no size filter, 50 at most). */
const ULTRAFACE = { ...ultraFaceDetectorSchema.parse({ architecture: 'ultraface' }), minFaceSize: 0, maxFaces: 50 };

describe('FaceAnalyzer', () => {
  const factory = new OnnxSessionFactory(testLogger, { providers: ['cpu'], intraOpNumThreads: 1 });
  const model = (file: string) => factory.create(join(root, 'models/faceplugin', file), file);
  let ultraFace: UltraFaceDetector;
  let landmarker: FaceLandmarker68;
  let embedder: FaceEmbedder;
  let photo: RgbImage;

  before(async () => {
    assertFixturesInstalled();
    ultraFace = new UltraFaceDetector((await model('fr_detect.onnx')).session, ULTRAFACE);
    landmarker = new FaceLandmarker68((await model('fr_landmark.onnx')).session);
    embedder = new FaceEmbedder((await model('fr_feature.onnx')).session, 'faceplugin');
    photo = await loadImage('sample5.jpg');
  });

  after(async () => {
    await Promise.all([ultraFace?.close(), landmarker?.close(), embedder?.close()]);
  });

  it('with a detector that gives five points, embeds a face known only by its box (a tracker’s)', async (t) => {
    const withPoints: FaceDetector = {
      givesLandmarks: true,
      async detect(image: RgbImage): Promise<DetectedFace[]> {
        const faces = await ultraFace.detect(image);
        return Promise.all(
          faces.map(async (f) => ({ ...f, landmarks5: (await landmarker.landmarks(image, f.box)).landmarks5 })),
        );
      },
      async close() {},
    };
    const analyzer = new FaceAnalyzer({ detector: withPoints, aligner: new FaceAligner(), embedder, providers: {} });
    const faces = await analyzer.analyze(photo);
    assert.equal(faces.length, 5);
    for (const face of faces) {
      // Re-detected in a window around the box: slightly different points, the same face.
      const embedding = await analyzer.embed(photo, { box: face.box });
      const similarity = cosineSimilarity(embedding, face.embedding);
      t.diagnostic(`box only vs with points: ${similarity.toFixed(3)}`);
      assert.ok(similarity > 0.9, 'same face from the box alone');
    }
    await assert.rejects(analyzer.embed(photo, { box: [10, 10, 60, 60] }), NotFoundError);
  });

  it('needs a landmark model after a detector without points, and matching crop sizes', () => {
    assert.throws(
      () => new FaceAnalyzer({ detector: ultraFace, aligner: new FaceAligner(), embedder, providers: {} }),
      /landmarker is required/,
    );
    assert.throws(
      () =>
        new FaceAnalyzer({ detector: ultraFace, landmarker, aligner: new FaceAligner(96), embedder, providers: {} }),
      /aligner crops 96 px, embedder takes 112/,
    );
  });

  it('refuses work once closed', async () => {
    const sessions = await Promise.all(['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx'].map(model));
    const analyzer = new FaceAnalyzer({
      detector: new UltraFaceDetector(sessions[0]!.session, ULTRAFACE),
      landmarker: new FaceLandmarker68(sessions[1]!.session),
      aligner: new FaceAligner(),
      embedder: new FaceEmbedder(sessions[2]!.session, 'faceplugin'),
      providers: {},
    });
    await analyzer.close();
    await analyzer.close();
    await assert.rejects(analyzer.analyze(photo), InvalidStateError);
  });
});
