import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RECOGNITION_THRESHOLD, visionSchema } from '../../../server/vision/visionConfig.js';

describe('vision configuration', () => {
  it('defaults: the installed faceplugin models, cuda then cpu, the data-derived threshold', () => {
    const config = visionSchema.parse(undefined);
    assert.equal(config.enabled, true);
    assert.deepEqual(config.providers, ['cuda', 'cpu']);
    assert.equal(config.intraOpThreads, 'auto');
    assert.deepEqual(config.models.detector, {
      architecture: 'ultraface',
      path: 'models/faceplugin/fr_detect.onnx',
      fit: 'stretch',
      scoreThreshold: 0.7,
      iouThreshold: 0.3,
    });
    assert.deepEqual(config.models.landmarks, {
      architecture: 'faceplugin68',
      path: 'models/faceplugin/fr_landmark.onnx',
    });
    assert.deepEqual(config.models.embedder, { architecture: 'faceplugin', path: 'models/faceplugin/fr_feature.onnx' });
    assert.equal(config.recognition.threshold, DEFAULT_RECOGNITION_THRESHOLD);
    assert.equal(config.detection.scoreThreshold, undefined, 'no override: the detector entry’s own default applies');
    assert.equal(config.upload.maxBytes, 10 * 1024 * 1024);
  });

  it('accepts a user SCRFD + ArcFace pair', () => {
    const config = visionSchema.parse({
      providers: ['tensorrt', 'cuda', 'cpu'],
      models: {
        detector: { architecture: 'scrfd', path: '/opt/models/det_10g.onnx' },
        embedder: { architecture: 'arcface', path: '/opt/models/w600k_r50.onnx' },
      },
      recognition: { threshold: 0.4 },
    });
    assert.deepEqual(config.models.detector, {
      architecture: 'scrfd',
      path: '/opt/models/det_10g.onnx',
      inputWidth: 640,
      inputHeight: 640,
      scoreThreshold: 0.5,
      iouThreshold: 0.4,
    });
    assert.equal(config.models.embedder.architecture, 'arcface');
  });

  it('rejects unknown keys, providers and architectures, and an SCRFD without a path', () => {
    const fails = (input: unknown, path: string): void => {
      const result = visionSchema.safeParse(input);
      assert.equal(result.success, false, JSON.stringify(input));
      assert.ok(
        result.error!.issues.some((i) => i.path.join('.') === path),
        `${JSON.stringify(result.error!.issues)} names ${path}`,
      );
    };
    fails({ colour: true }, '');
    fails({ providers: ['dml'] }, 'providers.0');
    fails({ providers: [] }, 'providers');
    fails({ models: { detector: { architecture: 'blazeface' } } }, 'models.detector.architecture');
    fails({ models: { detector: { architecture: 'scrfd' } } }, 'models.detector.path');
    fails({ models: { embedder: { architecture: 'facenet' } } }, 'models.embedder.architecture');
    fails({ recognition: { threshold: 1.5 } }, 'recognition.threshold');
    fails(
      { models: { detector: { architecture: 'scrfd', path: 'x', inputWidth: 100 } } },
      'models.detector.inputWidth',
    );
  });
});
