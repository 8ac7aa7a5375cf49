import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { OnnxSessionFactory } from '../../../server/vision/OnnxSessionFactory.js';
import { assertFixturesInstalled, root } from './faceFixtures.js';

/** A logger whose records are kept in `lines`. */
function recordingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const detector = join(root, 'models/faceplugin/fr_detect.onnx');

describe('OnnxSessionFactory', () => {
  it('probes tensorrt, cuda, cpu in order, says why each GPU provider is unavailable, and runs on the first that loads', async (t) => {
    assertFixturesInstalled();
    const { logger, lines } = recordingLogger();
    const factory = new OnnxSessionFactory(logger, { providers: ['tensorrt', 'cuda', 'cpu'], intraOpNumThreads: 1 });
    const first = await factory.create(detector, 'detector');
    const second = await factory.create(detector, 'detector again');
    // npm's onnxruntime-node carries no CUDA/TensorRT libraries; on a machine where they were
    // installed the first available provider runs instead, and the log says so.
    t.diagnostic(`provider: ${first.provider}`);
    assert.ok(['tensorrt', 'cuda', 'cpu'].includes(first.provider));
    assert.equal(second.provider, first.provider);
    const chosen = lines.filter((l) => l.purpose === 'detector' && l.level === 30);
    const info = lines.find((l) => l.purpose === 'detector' && l.level === 30)!;
    assert.equal(info.provider, first.provider);
    assert.equal(info.intraOpNumThreads, 1);
    if (first.provider === 'cpu') {
      const warnings = lines.filter((l) => l.level === 40);
      assert.deepEqual(
        warnings.map((w) => w.provider),
        ['tensorrt', 'cuda'],
        'each unavailable provider is reported once, not again for the second model',
      );
      for (const w of warnings) assert.match(String(w.reason), /\S/);
      assert.match(String(info.msg), /runs on onnxruntime cpu; unavailable: tensorrt, cuda/);
    } else {
      assert.equal(chosen.length, 1);
    }
    assert.deepEqual(first.session.inputNames, ['input']);
    assert.deepEqual(first.session.outputNames, ['scores', 'boxes']);
    await first.session.release();
    await second.session.release();
  });

  it('defaults to max(1, cores − 1) threads and rejects bad options', () => {
    const { logger } = recordingLogger();
    assert.ok(new OnnxSessionFactory(logger).intraOpNumThreads >= 1);
    assert.deepEqual(new OnnxSessionFactory(logger).providers, ['cuda', 'cpu']);
    assert.throws(() => new OnnxSessionFactory(logger, { providers: [] }), /at least one provider/);
    assert.throws(() => new OnnxSessionFactory(logger, { providers: ['dml' as 'cpu'] }), /unknown provider dml/);
    assert.throws(() => new OnnxSessionFactory(logger, { intraOpNumThreads: 0 }), /intraOpNumThreads/);
  });

  it('fails on a missing model without blaming the providers', async () => {
    const { logger, lines } = recordingLogger();
    const factory = new OnnxSessionFactory(logger, { providers: ['cuda', 'cpu'] });
    await assert.rejects(factory.create(join(root, 'models/none.onnx'), 'detector'), /ENOENT/);
    assert.equal(lines.length, 0);
  });

  it('throws the provider error when no configured provider loads', async (t) => {
    assertFixturesInstalled();
    const { logger } = recordingLogger();
    const factory = new OnnxSessionFactory(logger, { providers: ['cuda'] });
    try {
      const created = await factory.create(detector, 'detector');
      t.diagnostic('cuda is available on this machine: nothing to check');
      await created.session.release();
    } catch (error) {
      assert.match(String(error), /Cuda|CUDA|cuda/);
    }
  });
});
