import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import type { AnalyzerContext, HandDetection, OwnedAnalysisFrame } from '../../../server/analysis/analyzerTypes.js';
import type { GestureEvent, HandsAnalyzer } from '../../../server/analysis/hands/HandsAnalyzer.js';
import { handsEntrySchema } from '../../../server/analysis/hands/handsConfig.js';
import { HandsProvider } from '../../../server/analysis/hands/HandsProvider.js';
import { AnalyzerSlot } from '../../../server/analysis/AnalyzerSlot.js';
import { testLogger } from '../../helpers/logger.js';
import { VisionBusyError } from '../../../server/vision/VisionBusyError.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { assertHandFixturesInstalled, loadHandPhoto, root } from './handFixtures.js';

/** Output twice the analysis frame's size: detections and overlays must be scaled. */
const OUTPUT = { width: 1280, height: 960 };
const FRAME_GAP_MS = 100;

function frameOf(image: RgbImage, n: number, t0: number): OwnedAnalysisFrame {
  const rgb = Buffer.from(image.data);
  return {
    frame: n,
    captureTimeMs: t0 + n * FRAME_GAP_MS,
    width: image.width,
    height: image.height,
    stride: image.width * 3,
    rgb,
    data: rgb,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * The live `hands` analyzer on a sequence of analysis frames (one photograph of an open hand,
 * then an empty picture) through the real inference thread: one track, its gesture with
 * `since`, overlays to a fake `context.overlays`, the track's end, and drops when the queue is
 * full. Prints ms per frame for the bench (no timed assertions).
 */
describe('HandsAnalyzer (live, inference thread)', () => {
  let provider: HandsProvider;
  let palm: RgbImage;
  const overlays: OverlayItem[][] = [];
  const gestures: GestureEvent[] = [];
  const context: AnalyzerContext = {
    cameraId: 'cam-hands',
    output: OUTPUT,
    overlays: (items) => overlays.push(items),
    peers: () => [],
    logger: pino({ level: 'silent' }),
  };

  before(async () => {
    assertHandFixturesInstalled();
    palm = await loadHandPhoto('images/handSrc.jpg');
    provider = await HandsProvider.create({
      root,
      logger: pino({ level: 'silent' }),
      runtime: { maxPending: 1 },
      models: ['full'],
      onGesture: (event) => gestures.push(event),
    });
  });
  after(() => provider?.close());

  it('follows one hand across frames with one track id and reports its gesture since it started', async () => {
    const analyzer = provider.create(handsEntrySchema.parse({ type: 'hands', maxHands: 1 }), context) as HandsAnalyzer;
    const t0 = Date.now();
    const seen: HandDetection[][] = [];
    const timings = { detect: [] as number[], landmarks: [] as number[], step: [] as number[], total: [] as number[] };
    for (let n = 0; n < 8; n++) {
      seen.push((await analyzer.analyze(frameOf(palm, n, t0))) as HandDetection[]);
      const t = analyzer.stats.lastTimings!;
      if (t.detectMs > 0) timings.detect.push(t.detectMs);
      timings.landmarks.push(t.landmarksMs);
      timings.total.push(t.totalMs);
      timings.step.push(analyzer.stats.lastStepMs);
    }
    console.log(
      `hands ms per frame (median): detector ${median(timings.detect).toFixed(1)} (${timings.detect.length} runs), ` +
        `landmarks ${median(timings.landmarks).toFixed(1)}, thread step ${median(timings.total).toFixed(1)}, ` +
        `whole step ${median(timings.step).toFixed(1)} (provider ${provider.provider})`,
    );
    assert.ok(
      seen.every((d) => d.length === 1),
      `hands per frame: ${seen.map((d) => d.length).join(',')}`,
    );
    const ids = new Set(seen.map((d) => d[0]!.trackId));
    assert.equal(ids.size, 1, 'one track id');
    const last = seen.at(-1)![0]!;
    assert.equal(last.label, 'open_palm');
    assert.equal(last.since, t0, 'since: the capture time of the first frame showing it');
    // Only the first frame ran the palm detector: with maxHands 1 the tracked hand needs none.
    assert.equal(analyzer.stats.detections, 1);
    // Output px: the hand (about 440 × 400 px of the 640 × 480 frame) is scaled by 2.
    assert.ok(last.box[2] > 640 && last.box[3] > 560, `box ${last.box.map(Math.round).join(',')}`);
    const [bx, by, bw, bh] = last.box;
    assert.ok(bx + bw / 2 > 0 && bx + bw / 2 < OUTPUT.width && by + bh / 2 > 0 && by + bh / 2 < OUTPUT.height);
    assert.ok(last.keypoints.every(([x, y]) => x >= bx - 1 && x <= bx + bw + 1 && y >= by - 1 && y <= by + bh + 1));

    assert.deepEqual(
      gestures.map((g) => [g.trackId, g.gesture, g.previous, g.ended, g.at]),
      [[last.trackId, 'open_palm', null, false, t0]],
    );
    const items = overlays.at(-1)!;
    assert.equal(items.filter((i) => i.kind === 'polyline').length, 6, 'five fingers and the palm');
    const keypoints = items.filter((i) => i.kind === 'keypoints');
    assert.equal(keypoints.length, 1);
    assert.equal(keypoints[0]!.label, 'open_palm');
    assert.equal(keypoints[0]!.kind === 'keypoints' && keypoints[0]!.points.length, 21);
    assert.ok(
      items.every((i) => i.kind !== 'box' && i.kind !== undefined),
      'no identity boxes',
    );
    assert.ok(
      items.every((i) => i.ttl_ms >= FRAME_GAP_MS),
      'ttl longer than the gap between frames',
    );

    // The hand leaves: after lostAfterFrames empty frames the track ends and the layer is cleared.
    const empty: RgbImage = {
      width: palm.width,
      height: palm.height,
      data: new Uint8Array(palm.data.length).fill(128),
    };
    const entry = handsEntrySchema.parse({ type: 'hands' });
    let analysed = seen.length;
    for (let n = 8; n < 8 + entry.lostAfterFrames; n++) {
      await analyzer.analyze(frameOf(empty, n, t0));
      analysed += 1;
    }
    assert.equal(analysed, 8 + entry.lostAfterFrames);
    const ended = gestures.at(-1)!;
    assert.equal(ended.ended, true);
    assert.equal(ended.trackId, last.trackId);
    assert.equal(ended.gesture, 'open_palm');
    assert.deepEqual(overlays.at(-1), []);
  });

  it('drops a frame at once when the inference queue is full, and counts it', async () => {
    const analyzer = provider.create(handsEntrySchema.parse({ type: 'hands' }), context) as HandsAnalyzer;
    const t0 = Date.now();
    const first = analyzer.analyze(frameOf(palm, 0, t0));
    await assert.rejects(analyzer.analyze(frameOf(palm, 1, t0)), VisionBusyError);
    assert.equal((await first).length, 1);
    // As the scheduler runs them: two cameras' analyzers on the one thread (maxPending 1); the
    // second camera's frame is refused and its slot counts the drop.
    const entry = handsEntrySchema.parse({ type: 'hands' });
    const a = new AnalyzerSlot(provider.create(entry, context), provider.provider, 10, testLogger);
    const b = new AnalyzerSlot(
      provider.create(entry, { ...context, cameraId: 'cam-b' }),
      provider.provider,
      10,
      testLogger,
    );
    a.offer(() => frameOf(palm, 2, t0));
    b.offer(() => frameOf(palm, 2, t0));
    await Promise.all([a.settled(), b.settled()]);
    assert.equal(b.status().dropped, 1);
    assert.equal(a.status().dropped, 0);
    assert.equal(a.status().frames, 1);
  });
});
