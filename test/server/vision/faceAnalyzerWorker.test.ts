import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidStateError } from '../../../media/core/errors.js';
import { cosineSimilarity } from '../../../server/vision/cosineSimilarity.js';
import { FaceAnalyzerWorker } from '../../../server/vision/FaceAnalyzerWorker.js';
import { ModelFileError } from '../../../server/vision/ModelFileError.js';
import { VisionBusyError } from '../../../server/vision/VisionBusyError.js';
import { visionSchema } from '../../../server/vision/visionConfig.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { testLogger } from '../../helpers/logger.js';
import { assertFixturesInstalled, loadImage, root } from './faceFixtures.js';

/** Sum of the event loop's delays beyond a 5 ms timer while `work` runs, and the work's duration, ms. */
async function blockedWhile(work: () => Promise<unknown>): Promise<{ blockedMs: number; totalMs: number }> {
  let blockedMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    blockedMs += Math.max(0, now - last - 5);
    last = now;
  }, 5);
  const started = performance.now();
  await work();
  const totalMs = performance.now() - started;
  clearInterval(timer);
  return { blockedMs, totalMs };
}

describe('FaceAnalyzerWorker (inference on its own thread)', () => {
  let worker: FaceAnalyzerWorker;
  let photo: RgbImage;

  before(async () => {
    assertFixturesInstalled();
    worker = await FaceAnalyzerWorker.create(visionSchema.parse({ worker: { maxPending: 2 } }), {
      root,
      logger: testLogger,
    });
    photo = await loadImage('sample5.jpg');
  });

  after(async () => {
    await worker?.close();
  });

  it('analyses a photograph without blocking the event loop', async (t) => {
    assert.deepEqual(worker.providers, { detector: 'cpu', landmarks: 'cpu', embedder: 'cpu' });
    let faces = 0;
    const { blockedMs, totalMs } = await blockedWhile(async () => {
      faces = (await worker.analyze(photo)).length;
    });
    t.diagnostic(`analysis ${totalMs.toFixed(0)} ms, event loop blocked ${blockedMs.toFixed(0)} ms of it`);
    assert.equal(faces, 5);
    // In the calling thread the loop would be blocked for nearly all of it (onnxruntime-node's run is synchronous).
    assert.ok(blockedMs < totalMs / 2, `event loop blocked ${blockedMs.toFixed(0)} of ${totalMs.toFixed(0)} ms`);
  });

  it('detects and embeds separately (per-track recognition), with the same result as analyze', async () => {
    const faces = await worker.analyze(photo);
    const detected = await worker.detect(photo);
    assert.deepEqual(
      detected.map((d) => d.box),
      faces.map((f) => f.box),
    );
    const embedding = await worker.embed(photo, { ...detected[0]!, extra: 'ignored' } as (typeof detected)[0]);
    assert.ok(cosineSimilarity(embedding, faces[0]!.embedding) > 0.9999);
  });

  it('reads padded rows (stride) and moves the buffer when asked to', async () => {
    const stride = photo.width * 3 + 4;
    const data = new Uint8Array(stride * photo.height);
    for (let y = 0; y < photo.height; y++) {
      data.set(photo.data.subarray(y * photo.width * 3, (y + 1) * photo.width * 3), y * stride);
    }
    const faces = await worker.analyze({ width: photo.width, height: photo.height, stride, data }, { transfer: true });
    assert.equal(faces.length, 5);
    assert.equal(data.length, 0, 'the buffer was transferred');
  });

  it('fails at once when more than maxPending requests wait, and rejects malformed images', async () => {
    const first = worker.detect(photo);
    const second = worker.detect(photo);
    await assert.rejects(worker.detect(photo), VisionBusyError);
    await Promise.all([first, second]);
    await assert.rejects(worker.detect({ width: 2, height: 2, data: new Uint8Array(5) }), TypeError);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const other = await FaceAnalyzerWorker.create(visionSchema.parse({}), { root, logger: testLogger });
    const pending = other.detect(photo);
    await Promise.all([other.close(), other.close()]);
    assert.equal((await pending).length, 5, 'queued work finishes before the thread stops');
    await assert.rejects(other.detect(photo), InvalidStateError);
  });

  it('fails to start with a ModelFileError when a manifest model is missing or altered', async () => {
    // A copy of the project's models/ with the embedder missing, then replaced by another file.
    const fakeRoot = mkdtempSync(join(tmpdir(), 'ecs-models-'));
    try {
      mkdirSync(join(fakeRoot, 'models/faceplugin'), { recursive: true });
      mkdirSync(join(fakeRoot, 'scripts'));
      copyFileSync(join(root, 'scripts/models.manifest.json'), join(fakeRoot, 'scripts/models.manifest.json'));
      for (const f of ['fr_detect.onnx', 'fr_landmark.onnx']) {
        symlinkSync(join(root, 'models/faceplugin', f), join(fakeRoot, 'models/faceplugin', f));
      }
      const config = visionSchema.parse({});
      const isModelFileError = (pattern: RegExp) => (error: unknown) =>
        error instanceof Error && error.name === 'ModelFileError' && pattern.test(error.message);
      await assert.rejects(
        FaceAnalyzerWorker.create(config, { root: fakeRoot, logger: testLogger }),
        isModelFileError(
          /fr_feature\.onnx \(faceplugin-face-recognition-js@0\.0\.1\) is missing: run scripts\/install-models\.sh/,
        ),
      );
      copyFileSync(
        join(root, 'models/faceplugin/fr_landmark.onnx'),
        join(fakeRoot, 'models/faceplugin/fr_feature.onnx'),
      );
      await assert.rejects(
        FaceAnalyzerWorker.create(config, { root: fakeRoot, logger: testLogger }),
        isModelFileError(/fr_feature\.onnx does not match scripts\/models\.manifest\.json/),
      );
    } finally {
      rmSync(fakeRoot, { recursive: true, force: true });
    }
    assert.equal(new ModelFileError('x').name, 'ModelFileError');
  });

  it('fails to start when a model is not of the configured architecture', async () => {
    const config = visionSchema.parse({ models: { embedder: { path: 'models/faceplugin/fr_landmark.onnx' } } });
    await assert.rejects(
      FaceAnalyzerWorker.create(config, { root, logger: testLogger }),
      /not a face embedder \(expected one input \[N, 3, S, S\]\)/,
    );
  });
});
