import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnalysisFrame, AnalysisListener } from '../../../media/camera/CameraTypes.js';
import { AnalysisScheduler } from '../../../server/analysis/AnalysisScheduler.js';
import { AnalyzerSlot } from '../../../server/analysis/AnalyzerSlot.js';
import type { Analyzer, Detection, OwnedAnalysisFrame } from '../../../server/analysis/analyzerTypes.js';
import { VisionBusyError } from '../../../server/vision/VisionBusyError.js';
import { testLogger } from '../../helpers/logger.js';

/**
 * A source of analysis frames at a fixed rate with real capture times, standing in for camerad
 * (whose frames the live tests use): it records what the scheduler asked for and whether each
 * listener call returned at once.
 */
class FrameFeed {
  readonly listeners = new Set<AnalysisListener>();
  requested: { enabled: boolean; fps?: number }[] = [];
  /** Listener calls that returned a promise (the video would wait on it). */
  awaited = 0;
  frames = 0;

  onAnalysis(listener: AnalysisListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setAnalysis(enabled: boolean, fps?: number): Promise<unknown> {
    this.requested.push(fps === undefined ? { enabled } : { enabled, fps });
    return Promise.resolve({});
  }

  /** Sends frames at `fps` for `ms`, 64 × 36 px, each filled with its frame number. */
  async run(fps: number, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const rgb = Buffer.alloc(64 * 36 * 3, this.frames & 0xff);
      const frame: AnalysisFrame = {
        frame: this.frames++,
        captureTimeMs: Date.now(),
        width: 64,
        height: 36,
        stride: 64 * 3,
        rgb,
        data: rgb,
      };
      for (const listener of this.listeners) if (listener(frame) instanceof Promise) this.awaited += 1;
      // camerad's buffer is reused once the listener returned: scribble over it.
      rgb.fill(0xee);
      await new Promise((resolve) => setTimeout(resolve, 1000 / fps));
    }
  }
}

/** An analyzer that takes `ms` per frame and remembers the frames it saw. */
class TimedAnalyzer implements Analyzer {
  readonly seen: OwnedAnalysisFrame[] = [];
  resets = 0;
  constructor(
    readonly type: string,
    readonly ms: number,
    readonly busyEvery = 0,
  ) {}

  async analyze(frame: OwnedAnalysisFrame): Promise<Detection[]> {
    this.seen.push(frame);
    if (this.busyEvery > 0 && this.seen.length % this.busyEvery === 0) throw new VisionBusyError('queue full');
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    return [{ kind: 'sky', box: [0, 0, 1, 1], score: 1, brightness: frame.rgb[0]!, color: '#000000', cloudCover: 0 }];
  }

  reset(): void {
    this.resets += 1;
  }
}

describe('analysis scheduler', () => {
  it('a slow analyzer skips frames without holding back a fast one or the frames', async () => {
    const feed = new FrameFeed();
    const fast = new TimedAnalyzer('fast', 1);
    const slow = new TimedAnalyzer('slow', 400);
    const scheduler = new AnalysisScheduler({
      cameraId: 'cam',
      source: feed,
      slots: [
        new AnalyzerSlot(fast, 'typescript', 10, testLogger),
        new AnalyzerSlot(slow, 'typescript', 10, testLogger),
      ],
      logger: testLogger,
    });
    await scheduler.start();
    assert.deepEqual(feed.requested, [{ enabled: true, fps: 10 }]);
    await feed.run(30, 2000);
    const [fastStatus, slowStatus] = scheduler.status();
    await scheduler.close();
    console.log({ frames: feed.frames, fast: fastStatus, slow: slowStatus });
    assert.equal(feed.awaited, 0, 'the listener never makes camerad wait');
    // 10 of 30 fps for 2 s: about 20 frames; a 400 ms analyzer gets about 5 and drops the rest that came due.
    assert.ok(fast.seen.length >= 14 && fast.seen.length <= 24, `fast analysed ${fast.seen.length}`);
    assert.ok(slow.seen.length >= 3 && slow.seen.length <= 7, `slow analysed ${slow.seen.length}`);
    assert.ok(slowStatus!.dropped >= 8, `slow dropped ${slowStatus!.dropped}`);
    assert.equal(fastStatus!.dropped, 0);
    // Frames taken at the same step are one copy, and the copy survived camerad reusing its buffer.
    const shared = slow.seen.filter((f) => fast.seen.includes(f));
    assert.ok(shared.length >= 2, 'both analyzers got the same copy when both were due');
    for (const f of fast.seen) assert.equal(f.rgb[0], f.frame & 0xff, 'the copy keeps the frame’s pixels');
    assert.deepEqual(feed.requested.at(-1), { enabled: false });
    assert.equal(fast.resets, 1);
    assert.equal(slow.resets, 1);
  });

  it('each analyzer runs at its own rate; camerad is asked for the highest', async () => {
    const feed = new FrameFeed();
    const five = new TimedAnalyzer('five', 1);
    const one = new TimedAnalyzer('one', 1);
    const scheduler = new AnalysisScheduler({
      cameraId: 'cam',
      source: feed,
      slots: [new AnalyzerSlot(five, 'typescript', 5, testLogger), new AnalyzerSlot(one, 'typescript', 1, testLogger)],
      logger: testLogger,
    });
    await scheduler.start();
    assert.deepEqual(feed.requested, [{ enabled: true, fps: 5 }]);
    await feed.run(5, 3000);
    await scheduler.close();
    assert.ok(five.seen.length >= 12, `5 fps analyzer: ${five.seen.length} in 3 s`);
    assert.ok(one.seen.length >= 2 && one.seen.length <= 4, `1 fps analyzer: ${one.seen.length} in 3 s`);
  });

  it('a full inference queue counts as a drop, not a failure, and the latest detections are the peers’', async () => {
    const feed = new FrameFeed();
    const busy = new TimedAnalyzer('busy', 1, 2);
    const scheduler = new AnalysisScheduler({
      cameraId: 'cam',
      source: feed,
      slots: [new AnalyzerSlot(busy, 'typescript', 10, testLogger)],
      logger: testLogger,
    });
    await scheduler.start();
    await feed.run(10, 1200);
    const [status] = scheduler.status();
    assert.ok(status!.dropped >= 4, `dropped ${status!.dropped}`);
    assert.ok(status!.frames >= 4);
    assert.equal(scheduler.detections('sky').length, 1);
    assert.equal(scheduler.detections('hand').length, 0);
    await scheduler.close();
    await scheduler.close();
  });
});
