import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidStateError } from '../../media/core/errors.js';
import { CameraRestorer, type RestoreRequests } from '../../media/camera/CameraRestorer.js';
import { testLogger } from '../helpers/logger.js';

/**
 * A recorder in place of the camerad supervisor: the restorer only sends requests, and what a
 * real camerad does with them is covered end to end (test/media/camera*.test.ts restart tests).
 */
class RecordedRequests implements RestoreRequests {
  readonly sent: { method: string; params: unknown }[] = [];
  failing = false;

  request<M extends 'probe' | 'analysis' | 'stills'>(method: M, params: unknown): Promise<never> {
    this.sent.push({ method, params });
    return this.failing
      ? Promise.reject(new InvalidStateError('camerad is not connected'))
      : Promise.resolve({} as never);
  }
}

const setup = (latencyProbe = false) => {
  const requests = new RecordedRequests();
  return { requests, restorer: new CameraRestorer({ requests, latencyProbe, logger: testLogger }) };
};

describe('camera restore after a camerad restart', () => {
  it('sends nothing when camerad started as wanted', () => {
    const { requests, restorer } = setup(true);
    restorer.restore({ latency_probe: true, analysis_fps: 5 });
    assert.deepEqual(requests.sent, []);
  });

  it('switches the latency probe back to what was set at run time', () => {
    const { requests, restorer } = setup(false);
    restorer.wantLatencyProbe(true);
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    assert.deepEqual(requests.sent, [{ method: 'probe', params: { enabled: true } }]);
    assert.equal(restorer.latencyProbe, true);
  });

  it('re-applies analysis set at run time only when the hello differs', () => {
    const { requests, restorer } = setup();
    assert.deepEqual(restorer.wantAnalysis({ enabled: true, fps: 10 }), { enabled: true, fps: 10 });
    restorer.restore({ latency_probe: false, analysis_fps: 10 });
    assert.deepEqual(requests.sent, [], 'camerad already sends 10 frames/s');
    restorer.restore({ latency_probe: false, analysis_fps: 5 });
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    assert.deepEqual(requests.sent, [
      { method: 'analysis', params: { enabled: true, fps: 10 } },
      { method: 'analysis', params: { enabled: true, fps: 10 } },
    ]);
  });

  it('keeps analysis off after a restart that started it from the flags', () => {
    const { requests, restorer } = setup();
    assert.deepEqual(restorer.wantAnalysis({ enabled: false }), { enabled: false }, 'no fps key is sent');
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    restorer.restore({ latency_probe: false, analysis_fps: 5 });
    assert.deepEqual(requests.sent, [{ method: 'analysis', params: { enabled: false } }]);
  });

  it('any rate will do when analysis was switched on without one', () => {
    const { requests, restorer } = setup();
    restorer.wantAnalysis({ enabled: true });
    restorer.restore({ latency_probe: false, analysis_fps: 7 });
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    assert.deepEqual(requests.sent, [{ method: 'analysis', params: { enabled: true } }]);
  });

  it('switches on again every still stream that was on, with its settings, and not those switched off', () => {
    const { requests, restorer } = setup();
    assert.deepEqual(restorer.wantStill('clean', { enabled: true, fps: 2 }), {
      variant: 'clean',
      enabled: true,
      fps: 2,
    });
    restorer.wantStill('overlays', { enabled: true, quality: 60 });
    restorer.wantStill('overlays', { enabled: false });
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    assert.deepEqual(requests.sent, [{ method: 'stills', params: { variant: 'clean', enabled: true, fps: 2 } }]);
  });

  it('keeps its wishes when camerad refuses them, for the next hello', async () => {
    const { requests, restorer } = setup();
    restorer.wantLatencyProbe(true);
    restorer.wantStill('clean', { enabled: true });
    requests.failing = true;
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    requests.failing = false;
    restorer.restore({ latency_probe: false, analysis_fps: 0 });
    assert.deepEqual(
      requests.sent.map((r) => r.method),
      ['probe', 'stills', 'probe', 'stills'],
    );
  });
});
