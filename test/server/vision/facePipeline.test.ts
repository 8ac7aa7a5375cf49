import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import { FaceGallery } from '../../../server/vision/FaceGallery.js';
import {
  type AnalysisFrame,
  type FaceModel,
  type FacePipelineSinks,
  FacePipeline,
  OVERLAY_KNOWN,
  OVERLAY_UNKNOWN,
} from '../../../server/vision/FacePipeline.js';
import type { Box, DetectedFace, FaceToEmbed, KeptFrame, RgbImage } from '../../../server/vision/visionTypes.js';
import { testLogger } from '../../helpers/logger.js';

const T0 = 1_700_000_000_000;
const WIDTH = 320;
const HEIGHT = 240;
const FACE: Box = [100, 60, 40, 50];
const OTHER_FACE: Box = [220, 100, 40, 50];

/** A unit vector along axis `i` of 4 (cosine similarity 1 with itself, 0 with the others). */
const axis = (i: number): Float32Array => Float32Array.from({ length: 4 }, (_, j) => (j === i ? 1 : 0));

function frame(n: number, at: number): AnalysisFrame {
  const rgb = Buffer.alloc(WIDTH * HEIGHT * 3);
  return { frame: n, captureTimeMs: at, width: WIDTH, height: HEIGHT, stride: WIDTH * 3, rgb, data: rgb };
}

/**
 * A fake model: this file tests the pipeline's scheduling (which frame is detected, which track
 * is embedded when, what is emitted), not inference, so the faces of each frame are scripted and
 * an embedding is a fixed vector per box. The real models run in faceAnalyzer.test.ts and
 * faceRecognition.test.ts. Each call stays pending for a macrotask, and the model records how
 * many of its calls were in flight at once.
 */
class ScriptedModel implements FaceModel {
  faces: Box[] = [];
  embeddingOf: (box: Box) => Float32Array = () => axis(3);
  readonly detects: number[] = [];
  readonly embeds: { at: number; box: Box }[] = [];
  #inFlight = 0;
  maxInFlight = 0;
  /** Capture time of the frame being processed (the test sets it; the model sees only pixels). */
  now = 0;

  async #call<T>(value: T): Promise<T> {
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    await new Promise((r) => setImmediate(r));
    this.#inFlight -= 1;
    return value;
  }

  detect(): Promise<DetectedFace[]> {
    this.detects.push(this.now);
    return this.#call(this.faces.map((box) => ({ box, score: 0.9 })));
  }

  embed(_image: RgbImage | KeptFrame, face: FaceToEmbed): Promise<Float32Array> {
    this.embeds.push({ at: this.now, box: face.box });
    return this.#call(this.embeddingOf(face.box));
  }

  analyze(): Promise<never> {
    throw new Error('the pipeline does not call analyze');
  }
}

/** Sinks that record what the pipeline emits, in order. */
class RecordingSinks implements FacePipelineSinks {
  readonly events: string[] = [];
  readonly overlayLists: OverlayItem[][] = [];
  overlays(items: OverlayItem[]): void {
    this.overlayLists.push(items);
  }
  detected(e: { trackId: number; box: [number, number, number, number]; at: number }): void {
    this.events.push(`detected ${e.trackId} [${e.box.join(',')}] @${e.at - T0}`);
  }
  recognized(e: { trackId: number; wallet: string; at: number }): void {
    this.events.push(`recognized ${e.trackId} ${e.wallet} @${e.at - T0}`);
  }
  lost(e: { trackId: number; firstSeen: number; at: number }): void {
    this.events.push(`lost ${e.trackId} since @${e.firstSeen - T0} @${e.at - T0}`);
  }
}

function pipeline(model: ScriptedModel, sinks: RecordingSinks, gallery = new FaceGallery()): FacePipeline {
  return new FacePipeline({
    model,
    gallery,
    sinks,
    output: { width: 640, height: 480 }, // twice the analysis size
    threshold: 0.5,
    reembedMs: 1000,
    label: (wallet) => `name of ${wallet}`,
    logger: testLogger,
  });
}

/** Feeds frames every `stepMs` from `fromMs` to `toMs` (inclusive), one at a time as camerad does. */
async function feed(p: FacePipeline, model: ScriptedModel, fromMs: number, toMs: number, stepMs = 100): Promise<void> {
  for (let t = fromMs; t <= toMs; t += stepMs) {
    model.now = t;
    await p.process(frame(t / stepMs, T0 + t));
  }
}

/** FacePipeline scheduling with a fake model (see {@link ScriptedModel}). */
describe('FacePipeline scheduling', () => {
  it('detects every frame; embeds a new track on its first 3 frames, then once per reembedMs; one model call at a time', async () => {
    const model = new ScriptedModel();
    const sinks = new RecordingSinks();
    const p = pipeline(model, sinks);
    model.faces = [FACE];
    await feed(p, model, 0, 2000);
    assert.equal(model.detects.length, 21);
    assert.deepEqual(
      model.embeds.map((e) => e.at),
      [0, 100, 200, 1200],
    );
    assert.equal(model.maxInFlight, 1, 'process awaits each model call before the next');
    assert.deepEqual(p.stats.frames, 21);
    assert.deepEqual(p.stats.embeddings, 4);
    assert.deepEqual(sinks.events, ['detected 1 [200,120,80,100] @0'], 'boxes in output pixels');
  });

  it('two faces: each track is embedded on its own schedule', async () => {
    const model = new ScriptedModel();
    const p = pipeline(model, new RecordingSinks());
    model.faces = [FACE];
    await feed(p, model, 0, 500);
    model.faces = [FACE, OTHER_FACE];
    await feed(p, model, 600, 1300);
    const at = (box: Box): number[] => model.embeds.filter((e) => e.box === box).map((e) => e.at);
    assert.deepEqual(at(FACE), [0, 100, 200, 1200]);
    assert.deepEqual(at(OTHER_FACE), [600, 700, 800]);
  });

  it('names a known face once, forgets a track that left, and starts a returning face over', async () => {
    const model = new ScriptedModel();
    const sinks = new RecordingSinks();
    const gallery = new FaceGallery();
    gallery.set({ wallet: 'W1', embeddings: [axis(0)], showName: true });
    model.embeddingOf = () => axis(0); // similarity 1: a strong match names the track at once
    const p = pipeline(model, sinks, gallery);
    model.faces = [FACE];
    await feed(p, model, 0, 300);
    model.faces = [];
    await feed(p, model, 400, 800);
    model.faces = [FACE];
    await feed(p, model, 900, 1100);
    assert.deepEqual(sinks.events, [
      'detected 1 [200,120,80,100] @0',
      'recognized 1 W1 @0',
      'lost 1 since @0 @600', // unmatched on more than 2 frames (IouTracker's maxMissed)
      'detected 2 [200,120,80,100] @900',
      'recognized 2 W1 @900',
    ]);
    assert.deepEqual(
      model.embeds.map((e) => e.at),
      [0, 100, 200, 900, 1000, 1100],
      'the returning face is a new track, embedded again while it settles',
    );
    assert.deepEqual(
      p.current().map((t) => [t.trackId, t.wallet]),
      [[2, 'W1']],
    );
    const last = sinks.overlayLists.at(-1) as { color?: string; label?: string }[];
    assert.deepEqual(
      last.map((i) => [i.color, i.label]),
      [[OVERLAY_KNOWN, 'name of W1']],
      'a named face is drawn in the known colour with its label',
    );
  });

  it('sends overlays for frames with faces and one empty list when they go, then nothing; TTL follows the frame gap', async () => {
    const model = new ScriptedModel();
    const sinks = new RecordingSinks();
    const p = pipeline(model, sinks);
    model.faces = [FACE];
    await feed(p, model, 0, 200); // frames 100 ms apart
    model.faces = [];
    await feed(p, model, 300, 1000);
    model.faces = [FACE];
    await feed(p, model, 1400, 1800, 400); // frames 400 ms apart
    const summary = sinks.overlayLists.map((items) =>
      items.map((item) => {
        const box = item as { color?: string; ttl_ms?: number };
        return `${box.color} ${box.ttl_ms}`;
      }),
    );
    assert.deepEqual(summary, [
      [`${OVERLAY_UNKNOWN} 1000`], // the first frame: the default TTL
      [`${OVERLAY_UNKNOWN} 300`], // 100 ms gap × 2.5, at least 300
      [`${OVERLAY_UNKNOWN} 300`],
      [], // the face went: boxes cleared once, then no request per empty frame
      [`${OVERLAY_UNKNOWN} 1000`], // 400 ms gap × 2.5
      [`${OVERLAY_UNKNOWN} 1000`],
    ]);
  });
});
