/**
 * The "analyzers alone" part of `npm run bench:vision`: each analyzer type of server/analysis
 * (faces, hands, objects) on its own, through the server's own analyzer path, one frame at a
 * time, on camera-sized frames (default 1280×720) with 0, 1 and 3 subjects: a noise gradient;
 * one face (astronaut.png) / one open palm (handSrc.jpg) / one person (person.jpg); three faces
 * (sample1.jpg) / handSrc.jpg three times side by side at three heights / three people
 * (sample1.jpg of the objects fixtures), each fitted into the frame on mid-grey.
 *
 * - faces: {@link FacePipeline} (tracking, embedding of new tracks, an empty {@link FaceGallery})
 *   over {@link FaceAnalyzerWorker}, each frame kept on the inference thread once
 *   (`keep`/`release`, as FaceService.analyzeFrame does; the liveness head poses, which run only
 *   during an enrolment challenge, are left out);
 * - hands: `HandsProvider.create(…)` + `provider.create(entry, context)` (a HandsAnalyzer on the
 *   TF.js WASM thread), entry defaults except `maxHands: 3`;
 * - objects: `ObjectsProvider.create(…)` + `provider.create(entry, context)` (NanoDet by default),
 *   entry defaults (`classes: [person]`).
 * The context's `overlays` does nothing and `peers` gives none. Frames are fed as
 * OwnedAnalysisFrames with rising frame numbers and `captureTimeMs` = the wall clock, so the
 * trackers behave as on a camera: a tracked hand skips the palm detector (it runs at most every
 * `detectEveryMs` while fewer than `maxHands` are tracked), a face track is embedded on its first
 * frames and then every `reembedMs`. Each case starts with a fresh analyzer: its first frame is
 * reported alone (`first_frame_ms`: detector and, for faces, the first embeddings), then
 * `warmup` frames, then `seconds` of frames measured.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import sharp from 'sharp';
import type { Analyzer, AnalyzerContext, OwnedAnalysisFrame } from '../../server/analysis/analyzerTypes.js';
import { handsEntrySchema, handsRuntimeSchema } from '../../server/analysis/hands/handsConfig.js';
import type { HandsAnalyzer } from '../../server/analysis/hands/HandsAnalyzer.js';
import { HandsProvider } from '../../server/analysis/hands/HandsProvider.js';
import type { ObjectsAnalyzer } from '../../server/analysis/objects/ObjectsAnalyzer.js';
import { objectsEntrySchema, objectsInferenceSchema } from '../../server/analysis/objects/objectsConfig.js';
import { ObjectsProvider } from '../../server/analysis/objects/ObjectsProvider.js';
import { FaceAnalyzerWorker } from '../../server/vision/FaceAnalyzerWorker.js';
import { facesSchema } from '../../server/vision/facesConfig.js';
import { FaceGallery } from '../../server/vision/FaceGallery.js';
import { type FaceModel, FacePipeline } from '../../server/vision/FacePipeline.js';
import type { VisionConfig } from '../../server/vision/visionConfig.js';
import type { KeptFrame, RgbImage } from '../../server/vision/visionTypes.js';
import { progress } from '../lib/report.js';
import { median, percentile, round } from '../lib/stats.js';

/** The analyzer types measured alone. */
export const ALONE_TYPES = ['faces', 'hands', 'objects'] as const;
export type AloneType = (typeof ALONE_TYPES)[number];
/** Goal of the issue: analysed frames/s of each analyzer alone with one subject in view. */
export const GOAL_ALONE_FPS = 10;

/** One case (an analyzer on one picture). */
export interface AloneCase {
  case: string;
  subjects: number;
  /** Subjects the analyzer reported on the last frame (faces tracked, hands, persons). */
  found: number;
  frames: number;
  /** Frames analysed per second over the window. */
  fps: number | null;
  /** `analyze` (or FacePipeline.process) end to end, ms. */
  ms_median: number | null;
  ms_p95: number | null;
  /** The first frame of a fresh analyzer (no track yet: detector, first embeddings), ms. */
  first_frame_ms: number | null;
  /** Frames of the window that ran no detector (hands) / embedded no face (faces); objects: all. */
  steady_frames: number;
  steady_ms_median: number | null;
  /** Where the time goes (ms; names per type, see bench/vision/README.md). */
  breakdown: Record<string, number | null>;
}

/** One analyzer type's cases. */
export interface AloneResult {
  type: AloneType;
  available: boolean;
  reason?: string;
  /** What runs its models (`onnxruntime:cpu`, `tfjs:wasm-simd`). */
  provider: string | null;
  /** What it was configured with beyond the defaults. */
  settings: Record<string, unknown>;
  cases: AloneCase[];
}

/** Options of {@link runAlonePhase}. */
export interface AloneOptions {
  root: string;
  logger: Logger;
  width: number;
  height: number;
  seconds: number;
  warmup: number;
  types: readonly AloneType[];
  /** The face models' configuration (providers, threads). */
  vision: VisionConfig;
  bench: string;
}

/** A picture and how many subjects it shows. */
interface Picture {
  name: string;
  subjects: number;
  image: RgbImage;
}

/** What the loop needs of an analyzer under test. */
interface Subject {
  /** Analyses one frame; resolves with the subjects found and where the time went. */
  analyze(frame: OwnedAnalysisFrame): Promise<{ found: number; steady: boolean; parts: Record<string, number[]> }>;
}

/** `file` scaled to fit `width`×`height`, centred on mid-grey. */
async function fitted(file: string, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .resize(width, height, { fit: 'contain', background: '#808080' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/**
 * Three copies of `file` side by side on mid-grey, each fitted into a third of the width and
 * `height` × 0.6, at three heights (top, bottom, middle), so no two are in a row.
 */
async function threeTimes(file: string, width: number, height: number): Promise<RgbImage> {
  const cellW = Math.floor(width / 3);
  const cellH = Math.round(height * 0.6);
  const one = await sharp(file).resize(cellW, cellH, { fit: 'inside' }).removeAlpha().png().toBuffer();
  const meta = await sharp(one).metadata();
  const h = meta.height ?? cellH;
  const tops = [0, height - h, Math.round((height - h) / 2)];
  const { data, info } = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .composite(
      tops.map((top, i) => ({ input: one, left: i * cellW + Math.round((cellW - (meta.width ?? cellW)) / 2), top })),
    )
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** A frame with nothing in it: a diagonal gradient with deterministic noise (as the face cases). */
export function noiseFrame(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const v = ((x + y) * 255) / (width + height) + ((seed >> 16) % 32) - 16;
      const p = (y * width + x) * 3;
      data[p] = v;
      data[p + 1] = 255 - v;
      data[p + 2] = (v + 128) % 256;
    }
  }
  return { width, height, data };
}

/** The 0 / 1 / 3 subject pictures of `type`. */
async function pictures(type: AloneType, o: AloneOptions): Promise<Picture[]> {
  const { width, height } = o;
  const dir = (kind: string): string => join(o.root, 'test/fixtures', kind, 'images');
  const none = { name: 'noise gradient', subjects: 0, image: noiseFrame(width, height) };
  switch (type) {
    case 'faces':
      return [
        none,
        { name: 'astronaut.png', subjects: 1, image: await fitted(join(dir('faces'), 'astronaut.png'), width, height) },
        { name: 'sample1.jpg', subjects: 3, image: await fitted(join(dir('faces'), 'sample1.jpg'), width, height) },
      ];
    case 'hands':
      return [
        none,
        { name: 'handSrc.jpg', subjects: 1, image: await fitted(join(dir('hands'), 'handSrc.jpg'), width, height) },
        {
          name: 'handSrc.jpg ×3',
          subjects: 3,
          image: await threeTimes(join(dir('hands'), 'handSrc.jpg'), width, height),
        },
      ];
    case 'objects':
      return [
        none,
        { name: 'person.jpg', subjects: 1, image: await fitted(join(dir('objects'), 'person.jpg'), width, height) },
        { name: 'sample1.jpg', subjects: 3, image: await fitted(join(dir('objects'), 'sample1.jpg'), width, height) },
      ];
  }
}

/** An OwnedAnalysisFrame of `image` (a fresh copy, as the scheduler makes one per step). */
function frameOf(image: RgbImage, n: number): OwnedAnalysisFrame {
  const rgb = Buffer.from(image.data);
  return {
    frame: n,
    captureTimeMs: Date.now(),
    width: image.width,
    height: image.height,
    stride: image.width * 3,
    rgb,
    data: rgb,
  };
}

function contextOf(o: AloneOptions): AnalyzerContext {
  return {
    cameraId: 'bench',
    output: { width: o.width, height: o.height },
    overlays: () => undefined,
    peers: () => [],
    logger: o.logger,
  };
}

/** Runs one case with a fresh analyzer from `make`. */
async function measureCase(make: () => Subject, picture: Picture, o: AloneOptions): Promise<AloneCase> {
  const subject = make();
  let n = 0;
  const t0 = performance.now();
  let last = await subject.analyze(frameOf(picture.image, n++));
  const firstMs = performance.now() - t0;
  for (let i = 0; i < o.warmup; i++) last = await subject.analyze(frameOf(picture.image, n++));
  const ms: number[] = [];
  const steadyMs: number[] = [];
  const parts: Record<string, number[]> = {};
  const started = performance.now();
  while (performance.now() - started < o.seconds * 1000) {
    const frame = frameOf(picture.image, n++);
    const s = performance.now();
    last = await subject.analyze(frame);
    const took = performance.now() - s;
    ms.push(took);
    if (last.steady) steadyMs.push(took);
    for (const [k, v] of Object.entries(last.parts)) (parts[k] ??= []).push(...v);
  }
  const elapsed = (performance.now() - started) / 1000;
  const breakdown: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(parts)) {
    breakdown[`${k}_ms_median`] = round(median(v), 2);
    breakdown[`${k}_runs`] = v.length;
  }
  return {
    case: picture.name,
    subjects: picture.subjects,
    found: last.found,
    frames: ms.length,
    fps: round(ms.length / elapsed, 2),
    ms_median: round(median(ms), 2),
    ms_p95: round(percentile(ms, 95), 2),
    first_frame_ms: round(firstMs, 2),
    steady_frames: steadyMs.length,
    steady_ms_median: round(median(steadyMs), 2),
    breakdown,
  };
}

/** A {@link FaceModel} over the worker that times `detect` and `embed` as the main thread sees them. */
function timedFaceModel(worker: FaceAnalyzerWorker, times: { detect: number[]; embed: number[] }): FaceModel {
  return {
    async detect(image) {
      const t = performance.now();
      const faces = await worker.detect(image);
      times.detect.push(performance.now() - t);
      return faces;
    },
    async embed(image, face) {
      const t = performance.now();
      const e = await worker.embed(image, face);
      times.embed.push(performance.now() - t);
      return e;
    },
    analyze: (image) => worker.analyze(image),
    keep: (image: RgbImage): KeptFrame => worker.keep(image),
    release: (frame: KeptFrame) => worker.release(frame),
  };
}

/** The subjects of one type; `close` stops its inference thread. */
async function open(
  type: AloneType,
  o: AloneOptions,
): Promise<{ make: () => Subject; provider: string; settings: Record<string, unknown>; close: () => Promise<void> }> {
  const context = contextOf(o);
  switch (type) {
    case 'faces': {
      const worker = await FaceAnalyzerWorker.create(o.vision, { root: o.root, logger: o.logger });
      const used = Object.values(worker.providers ?? {})[0] ?? o.vision.providers[0];
      return {
        provider: `onnxruntime:${String(used)}`,
        settings: { providers: o.vision.providers, intra_op_threads: o.vision.intraOpThreads ?? null },
        make: () => {
          const times = { detect: [] as number[], embed: [] as number[] };
          const pipeline = new FacePipeline({
            model: timedFaceModel(worker, times),
            gallery: new FaceGallery(),
            sinks: {
              overlays: () => undefined,
              detected: () => undefined,
              recognized: () => undefined,
              lost: () => undefined,
            },
            output: context.output,
            threshold: o.vision.recognition.threshold,
            reembedMs: facesSchema.parse({}).reembedMs,
            label: () => undefined,
            logger: o.logger,
          });
          return {
            async analyze(frame) {
              times.detect.length = 0;
              times.embed.length = 0;
              const kept = worker.keep(frame);
              try {
                await pipeline.process(frame, kept);
              } finally {
                worker.release(kept);
              }
              return {
                found: pipeline.matchedTracks().length,
                steady: times.embed.length === 0,
                parts: { detect: [...times.detect], embed_per_face: [...times.embed] },
              };
            },
          };
        },
        close: () => worker.close(),
      };
    }
    case 'hands': {
      const provider = await HandsProvider.create({
        root: o.root,
        logger: o.logger,
        runtime: handsRuntimeSchema.parse({}),
        models: [handsEntrySchema.parse({ type: 'hands' }).model],
      });
      const entry = handsEntrySchema.parse({ type: 'hands', maxHands: 3 });
      return {
        provider: provider.provider,
        settings: { model: entry.model, maxHands: entry.maxHands, detectEveryMs: entry.detectEveryMs },
        make: () => {
          const analyzer: Analyzer & HandsAnalyzer = provider.create(entry, context);
          return {
            async analyze(frame) {
              const before = analyzer.stats.detections;
              const found = (await analyzer.analyze(frame)).length;
              const t = analyzer.stats.lastTimings;
              const detected = analyzer.stats.detections > before;
              const parts: Record<string, number[]> = { thread_total: t ? [t.totalMs] : [] };
              if (detected && t) parts.palm_detector = [t.detectMs];
              if (t && t.landmarksMs > 0) parts.landmarks_all_hands = [t.landmarksMs];
              return { found, steady: !detected, parts };
            },
          };
        },
        close: () => provider.close(),
      };
    }
    case 'objects': {
      const entry = objectsEntrySchema.parse({ type: 'objects' });
      const provider = await ObjectsProvider.create({
        root: o.root,
        logger: o.logger,
        config: objectsInferenceSchema.parse({}),
        models: [entry.model],
      });
      return {
        provider: provider.provider,
        settings: { model: entry.model, classes: entry.classes },
        make: () => {
          const analyzer: ObjectsAnalyzer = provider.create(entry, context);
          return {
            async analyze(frame) {
              const found = (await analyzer.analyze(frame)).filter((d) => d.label === 'person').length;
              return { found, steady: true, parts: { thread_detector: [analyzer.lastInferenceMs] } };
            },
          };
        },
        close: () => provider.close(),
      };
    }
  }
}

/** Each type of `o.types` alone; a type whose models do not load is reported unavailable, never thrown. */
export async function runAlonePhase(o: AloneOptions): Promise<AloneResult[]> {
  const results: AloneResult[] = [];
  for (const type of o.types) {
    let opened;
    try {
      opened = await open(type, o);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      progress(o.bench, `${type} alone: unavailable (${reason})`);
      results.push({ type, available: false, reason, provider: null, settings: {}, cases: [] });
      continue;
    }
    const cases: AloneCase[] = [];
    try {
      const pics = await pictures(type, o);
      // Warm the runtime (WASM compilation, first allocations) on a throwaway analyzer.
      const warm = opened.make();
      for (let i = 0; i < Math.max(1, o.warmup); i++) await warm.analyze(frameOf(pics[1]!.image, i));
      for (const picture of pics) {
        progress(o.bench, `${type} alone: ${picture.name} (${picture.subjects}), ${o.seconds} s`);
        const c = await measureCase(opened.make, picture, o);
        progress(
          o.bench,
          `${type} alone: ${picture.name}: ${c.fps} frames/s, ${c.ms_median} ms median, first frame ${c.first_frame_ms} ms, found ${c.found}`,
        );
        cases.push(c);
      }
    } finally {
      await opened.close();
    }
    results.push({ type, available: true, provider: opened.provider, settings: opened.settings, cases });
  }
  return results;
}
