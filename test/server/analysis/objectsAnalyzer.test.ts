import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import type { AnalyzerContext, ObjectDetection, OwnedAnalysisFrame } from '../../../server/analysis/analyzerTypes.js';
import type { ObjectCountsEvent } from '../../../server/analysis/objects/ObjectsAnalyzer.js';
import { objectsEntrySchema, objectsInferenceSchema } from '../../../server/analysis/objects/objectsConfig.js';
import { ObjectsProvider } from '../../../server/analysis/objects/ObjectsProvider.js';
import { AnalyzerSlot } from '../../../server/analysis/AnalyzerSlot.js';
import { testLogger } from '../../helpers/logger.js';
import { personForFace } from '../../../server/analysis/objects/personForFace.js';
import { iou } from '../../../server/vision/IouTracker.js';
import { VisionBusyError } from '../../../server/vision/VisionBusyError.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { assertObjectFixturesInstalled, fixturePath, root } from './objectFixtures.js';
import { vtestFrames } from './vtestFrames.js';

/**
 * The objects analyzer live on vtest.avi frames fed as camerad analysis frames: the shared
 * inference thread, track ids that stay with a walking person, counts, overlays sent through the
 * context (box + class label on a one-point keypoints item), `onCounts`, drops when the
 * inference queue is full, and reset. Camera output is 1280 × 960 (the 768 × 576 frames scaled).
 */

const OUTPUT = { width: 1280, height: 960 };
const DEFAULT = objectsEntrySchema.parse({ type: 'objects' });
/** Every 2nd frame of 2 s of video (vtest.avi is 10 frames/s): people move a few px per step. */
const FRAMES = Array.from({ length: 10 }, (_, i) => 300 + 2 * i);

function analysisFrame(image: RgbImage, frame: number): OwnedAnalysisFrame {
  const rgb = Buffer.from(image.data);
  return {
    frame,
    captureTimeMs: 1_700_000_000_000 + frame * 100,
    width: image.width,
    height: image.height,
    stride: image.width * 3,
    rgb,
    data: rgb,
  };
}

describe('objects analyzer on vtest.avi', () => {
  let provider: ObjectsProvider;
  let frames: Map<number, RgbImage>;
  const overlays: OverlayItem[][] = [];
  const events: ObjectCountsEvent[] = [];
  const context: AnalyzerContext = {
    cameraId: 'square',
    output: OUTPUT,
    overlays: (items) => overlays.push(items),
    peers: () => [],
    logger: pino({ level: 'silent' }),
  };

  before(async () => {
    assertObjectFixturesInstalled();
    frames = await vtestFrames(fixturePath('vtest'), FRAMES);
    provider = await ObjectsProvider.create({
      root,
      logger: pino({ level: 'silent' }),
      config: objectsInferenceSchema.parse({ maxPending: 1 }),
      models: [DEFAULT.model],
      onCounts: (event) => events.push(event),
    });
  });

  after(async () => {
    await provider?.close();
    await provider?.close(); // idempotent
  });

  it('keeps track ids on walking people, counts them and draws a labelled box per person', async () => {
    const entry = objectsEntrySchema.parse({ type: 'objects', fps: 5 });
    const analyzer = provider.create(entry, context);
    const perFrame: ObjectDetection[][] = [];
    const times: number[] = [];
    for (const index of FRAMES) {
      const detections = await analyzer.analyze(analysisFrame(frames.get(index)!, index));
      perFrame.push(detections);
      times.push(analyzer.lastInferenceMs);
      assert.deepEqual(analyzer.counts(), { person: detections.length });
    }
    const counts = perFrame.map((d) => d.length);
    const ids = perFrame.map((d) => d.map((x) => x.trackId!));
    console.log(
      `objects live: persons per frame ${counts.join(' ')}; track ids ${ids.map((i) => i.join(',')).join(' | ')}`,
    );
    console.log(
      `objects live: inference thread ${times.map((t) => t.toFixed(0)).join(' ')} ms per frame (${DEFAULT.model}, 768x576)`,
    );
    // Frame 300 has 6 people by eye (test/fixtures/objects/images.json).
    assert.ok(Math.abs(counts[0]! - 6) <= 1, `frame 300: ${counts[0]} persons`);
    // Stable ids: the people of the first frame keep theirs to the last.
    const first = new Set(ids[0]);
    const kept = ids.at(-1)!.filter((id) => first.has(id)).length;
    assert.ok(kept >= 4, `only ${kept} of the first frame's track ids are still there 1.8 s later`);
    // Short-lived false detections (a post, the tripod) start new ids now and then; they stay few.
    const distinct = new Set(ids.flat()).size;
    assert.ok(
      distinct <= 2 * Math.max(...counts),
      `${distinct} distinct track ids for at most ${Math.max(...counts)} people`,
    );
    // Detections are in output px: inside the output and scaled (a person on this square is > 50 px tall at 1280 × 960).
    for (const d of perFrame.flat()) {
      assert.equal(d.kind, 'object');
      assert.equal(d.label, 'person');
      assert.ok(
        d.box[0] >= 0 && d.box[1] >= 0 && d.box[0] + d.box[2] <= OUTPUT.width && d.box[1] + d.box[3] <= OUTPUT.height,
      );
    }
    assert.ok(Math.max(...perFrame.flat().map((d) => d.box[3])) > 100);
    // One overlay update per frame: per person a box (no label: box labels are identity) and a
    // one-point keypoints item at its top-left corner labelled with the class.
    assert.equal(overlays.length, FRAMES.length);
    const last = overlays.at(-1)!;
    const boxes = last.filter((i) => i.kind === undefined || i.kind === 'box');
    const labels = last.filter((i) => i.kind === 'keypoints');
    assert.equal(boxes.length, perFrame.at(-1)!.length);
    assert.equal(labels.length, boxes.length);
    for (const [i, d] of perFrame.at(-1)!.entries()) {
      const box = boxes[i]!;
      assert.ok(box.kind !== 'keypoints' && box.kind !== 'polyline');
      assert.deepEqual(box.box, d.box);
      assert.equal(box.label, undefined);
      const label = labels[i]!;
      assert.ok(label.kind === 'keypoints');
      assert.deepEqual(label.points, [[d.box[0], d.box[1]]]);
      assert.equal(label.label, 'person');
    }
    // onCounts: called when the count changed, with the boxes and track ids of that frame.
    assert.ok(events.length >= 1);
    assert.deepEqual(events[0]!.counts, { person: counts[0] });
    assert.equal(events[0]!.cameraId, 'square');
    assert.equal(events[0]!.boxes.length, counts[0]);
    const changes = counts.filter((c, i) => i === 0 || c !== counts[i - 1]).length;
    assert.equal(events.length, changes);

    analyzer.reset(Date.now());
    assert.deepEqual(overlays.at(-1), []);
    assert.deepEqual(analyzer.counts(), { person: 0 });
    assert.deepEqual(events.at(-1)!.counts, { person: 0 });
  });

  it('drops a frame at once when the inference queue is full, and counts it', async () => {
    const entry = objectsEntrySchema.parse({ type: 'objects', classes: ['person', 'car', 'truck'], overlay: false });
    const a = provider.create(entry, { ...context, cameraId: 'a' });
    const b = provider.create(entry, { ...context, cameraId: 'b' });
    const image = frames.get(FRAMES[0]!)!;
    const before = overlays.length;
    const results = await Promise.allSettled([a.analyze(analysisFrame(image, 1)), b.analyze(analysisFrame(image, 1))]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[1]!.status, 'rejected');
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof VisionBusyError);
    assert.equal(overlays.length, before, 'overlay: false sends no overlays');
    // The white van parked at the top right (about 641, 42, 83 × 60 in the 768 × 576 frame) is
    // found once, as car or truck, not as both.
    const detections = (results[0] as PromiseFulfilledResult<ObjectDetection[]>).value;
    const s = OUTPUT.width / image.width;
    const van: [number, number, number, number] = [641 * s, 42 * s, 83 * s, 60 * s];
    const onVan = detections.filter((d) => d.label !== 'person' && iou(d.box, van) > 0.5);
    assert.equal(onVan.length, 1, JSON.stringify(detections.filter((d) => d.label !== 'person')));
    assert.ok(a.counts().person! >= 5, JSON.stringify(a.counts()));
    // As the scheduler runs them: the refused frame is a counted drop, and once the queue drained
    // the next frame is analysed again.
    const slotA = new AnalyzerSlot(a, provider.provider, 5, testLogger);
    const slotB = new AnalyzerSlot(b, provider.provider, 5, testLogger);
    slotA.offer(() => analysisFrame(image, 2));
    slotB.offer(() => analysisFrame(image, 2));
    await Promise.all([slotA.settled(), slotB.settled()]);
    assert.equal(slotA.status().dropped, 0);
    assert.equal(slotB.status().dropped, 1);
    slotB.offer(() => analysisFrame(image, 3));
    await slotB.settled();
    assert.equal(slotB.status().frames, 1);
  });
});

describe('objects config', () => {
  it('defaults to people with the registry default model', () => {
    const entry = objectsEntrySchema.parse({ type: 'objects' });
    assert.deepEqual(entry.classes, ['person']);
    assert.equal(entry.model, 'nanodet');
    assert.equal(entry.minScore, undefined);
  });

  it('refuses an unknown class, naming the key', () => {
    const result = objectsEntrySchema.safeParse({ type: 'objects', classes: ['person', 'spaceship'] });
    assert.equal(result.success, false);
    const issue = result.error!.issues[0]!;
    assert.deepEqual(issue.path, ['classes', 1]);
    assert.match(issue.message, /unknown COCO class 'spaceship'/);
  });

  it('refuses an unknown model', () => {
    assert.equal(objectsEntrySchema.safeParse({ type: 'objects', model: 'yolo' }).success, false);
  });
});

describe('personForFace', () => {
  it('gives each face the smallest person box containing its centre', () => {
    const persons = [
      { box: [0, 0, 400, 400] as [number, number, number, number] },
      { box: [100, 50, 100, 300] as [number, number, number, number] },
      { box: [500, 0, 100, 300] as [number, number, number, number] },
    ];
    const faces = [
      { box: [130, 60, 40, 40] as [number, number, number, number] }, // inside 0 and 1: 1 is smaller
      { box: [20, 20, 30, 30] as [number, number, number, number] }, // only 0
      { box: [700, 20, 30, 30] as [number, number, number, number] }, // none
      { box: [590, 280, 40, 40] as [number, number, number, number] }, // centre (610, 300) outside 2
    ];
    assert.deepEqual(personForFace(faces, persons), [1, 0, null, null]);
    assert.deepEqual(personForFace([], persons), []);
    assert.deepEqual(personForFace(faces, []), [null, null, null, null]);
  });
});
