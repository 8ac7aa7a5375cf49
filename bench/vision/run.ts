/**
 * `npm run bench:vision`: cost of the face pipeline (server/vision) per execution provider, of
 * each analyzer (faces, hands, objects) alone, and of all three on the video.
 *
 * For each provider of `--providers` (default tensorrt,cuda,cpu) that loads on this machine,
 * with the default models (scripts/models.manifest.json) and `--threads` intra-op threads (default the
 * server's: max(1, cores − 1)), three `--width` × `--height` frames (default 1280 × 720, a
 * camera's analysis frame) are analysed over and over, one at a time, for `--seconds` each after
 * `--warmup` runs:
 * - 0 faces: a deterministic gradient with noise;
 * - 1 face: astronaut.png (scikit-image), fitted into the frame on mid-grey;
 * - 5 faces: sample5.jpg (@vladmandic/face-api demo), fitted likewise.
 * Per case: frames analysed per second, ms per frame, detector ms per frame, and landmarks +
 * alignment + embedding ms per face (FaceAnalyzer's own stage timings).
 *
 * Baseline (bench/README.md: a bare run with no project code): each model's `session.run` alone
 * on a constant tensor of its input size, same provider and threads, so that the pipeline's
 * own cost (resampling, decoding, NMS, alignment) reads as the difference.
 *
 * `--via worker` runs the pipeline through FaceAnalyzerWorker (the server's path: adds the
 * frame's copy to the inference thread); default `direct` (FaceAnalyzer on this thread).
 *
 * Then each analyzer type alone (analyzerPhase.ts; `--analyzers`, default faces,hands,objects):
 * faces (FacePipeline over FaceAnalyzerWorker, the first provider that loaded), hands and objects
 * (their providers' analyzers on the TF.js WASM threads), through the server's analyzer path, on
 * 0 / 1 / 3-subject frames for `--seconds` each: frames/s, ms per frame, the first frame of a
 * fresh analyzer, and where the time goes.
 *
 * Then (unless `--no-video`) the video part (videoPhase.ts), `--video-camera`:
 * - `sample` (default): the server's sample camera (data/samples/Megamind.avi, 1280×720 at 30 fps,
 *   latency probe on) played in headless Chromium for `--video-s` s, once with `analyzers: []`
 *   and once with faces, hands and objects each asking 15 fps: delivered fps and glass-to-glass
 *   on vs off, and each analyzer's achieved rate and shed frames (`/api/analysis/status`);
 * - `photos`: the earlier face-only phase: a dir:// camera of photographs of faces, face
 *   analysis off vs on (`video_photos` in the JSON);
 * - `both`.
 *
 * Output: progress on stderr, tables, then one JSON line (last line of stdout). Exit 1 when a
 * video part failed (`video.errors` / `video_photos.errors` say why), 2 on bad arguments. Needs the models and test
 * photographs (scripts/install-models.sh --with-test-images) and, for the video part, camerad
 * and Chromium (scripts/setup.sh --with-tests).
 */
import '../../server/vision/ortTelemetryOff.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import pino from 'pino';
import sharp from 'sharp';
import { projectRoot } from '../../server/config/projectRoot.js';
import { FaceAnalyzer } from '../../server/vision/FaceAnalyzer.js';
import { FaceAnalyzerWorker } from '../../server/vision/FaceAnalyzerWorker.js';
import { OnnxSessionFactory } from '../../server/vision/OnnxSessionFactory.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider, visionSchema } from '../../server/vision/visionConfig.js';
import type { AnalysisTimings, RgbImage } from '../../server/vision/visionTypes.js';
import { launchChromium } from '../../test/helpers/browser.js';
import { installCleanup, onInterrupt } from '../../test/helpers/cleanup.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { printJsonLine, printTable, progress } from '../lib/report.js';
import { median, percentile, round } from '../lib/stats.js';
import { ensureWebBuilt } from '../lib/webDist.js';
import { ALONE_TYPES, type AloneResult, type AloneType, GOAL_ALONE_FPS, runAlonePhase } from './analyzerPhase.js';
import {
  GOAL_ALL_ON_FPS_RATIO,
  GOAL_FPS_RATIO,
  GOAL_P95_RATIO,
  type SampleVideoResult,
  type VideoResult,
  runSampleVideoPhase,
  runVideoPhase,
} from './videoPhase.js';

const BENCH = 'bench:vision';

function usage(message: string): never {
  process.stderr.write(
    `${BENCH}: ${message}\n` +
      'usage: npm run bench:vision -- [--providers tensorrt,cuda,cpu] [--threads N] [--seconds 5] [--warmup 3] ' +
      '[--width 1280] [--height 720] [--via direct|worker] [--no-video] [--video-s 20] [--video-warmup-s 3] ' +
      '[--rewrite-hz 4] [--photos yale|a.jpg,b.jpg] [--analyzers faces,hands,objects|none] ' +
      '[--video-camera sample|photos|both] [--verbose]\n',
  );
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      providers: { type: 'string', default: EXECUTION_PROVIDERS.join(',') },
      threads: { type: 'string' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '720' },
      via: { type: 'string', default: 'direct' },
      'no-video': { type: 'boolean', default: false },
      'video-s': { type: 'string', default: '20' },
      'video-warmup-s': { type: 'string', default: '3' },
      'rewrite-hz': { type: 'string', default: '4' },
      photos: { type: 'string', default: 'yale' },
      analyzers: { type: 'string', default: ALONE_TYPES.join(',') },
      'video-camera': { type: 'string', default: 'sample' },
      verbose: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const args = parsed.values;
const providers = args.providers.split(',').map((p) => p.trim()) as ExecutionProvider[];
for (const p of providers) if (!EXECUTION_PROVIDERS.includes(p)) usage(`unknown provider ${p}`);
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const width = Number(args.width);
const height = Number(args.height);
const threads = args.threads === undefined ? undefined : Number(args.threads);
if (!(seconds > 0) || !(warmup >= 0) || !(width >= 64) || !(height >= 64)) usage('bad numbers');
if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) usage('--threads must be an integer ≥ 1');
if (args.via !== 'direct' && args.via !== 'worker') usage('--via must be direct or worker');
const video = !args['no-video'];
const videoS = Number(args['video-s']);
const videoWarmupS = Number(args['video-warmup-s']);
const rewriteHz = Number(args['rewrite-hz']);
const photos = args.photos.split(',').map((p) => p.trim());
if (!(videoS > 0) || !(videoWarmupS >= 0)) usage('--video-s must be > 0 and --video-warmup-s ≥ 0');
if (!(rewriteHz > 0 && rewriteHz <= 30)) usage('--rewrite-hz must be in (0, 30]');
if (photos.some((p) => p === '' || p.includes('/')) || (photos.includes('yale') && photos.length > 1)) {
  usage('--photos is yale or a comma-separated list of files of test/fixtures/faces/images');
}

const aloneTypes = args.analyzers === 'none' ? [] : (args.analyzers.split(',').map((t) => t.trim()) as AloneType[]);
for (const t of aloneTypes) if (!ALONE_TYPES.includes(t)) usage(`unknown analyzer ${t} (--analyzers)`);
const videoCamera = args['video-camera'];
if (videoCamera !== 'sample' && videoCamera !== 'photos' && videoCamera !== 'both') {
  usage('--video-camera must be sample, photos or both');
}

const root = projectRoot();
const logger = pino({ level: 'warn' }, pino.destination(2));
const imagesDir = join(root, 'test/fixtures/faces/images');

/** `file` scaled to fit the frame, centred on mid-grey. */
async function fitted(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(imagesDir, file))
    .resize(width, height, { fit: 'contain', background: '#808080' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** A frame with no face: a diagonal gradient with deterministic noise. */
function noFaceFrame(): RgbImage {
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

interface CaseResult {
  case: string;
  faces_expected: number;
  faces_found: number;
  frames: number;
  fps: number | null;
  frame_ms_median: number | null;
  frame_ms_p95: number | null;
  detect_ms_median: number | null;
  detect_ms_p95: number | null;
  per_face_ms_median: number | null;
  per_face_ms_p95: number | null;
}

interface ProviderResult {
  provider: ExecutionProvider;
  available: boolean;
  reason?: string;
  cases: CaseResult[];
  /** Baseline: `session.run` alone, median ms. */
  model_only_ms: { detector: number | null; landmarks: number | null; embedder: number | null } | null;
}

type Analyze = (image: RgbImage) => Promise<{ faces: unknown[]; timings: AnalysisTimings }>;

async function measureCase(analyze: Analyze, name: string, image: RgbImage, expected: number): Promise<CaseResult> {
  let found = 0;
  for (let i = 0; i < warmup; i++) found = (await analyze(image)).faces.length;
  const frameMs: number[] = [];
  const detectMs: number[] = [];
  const perFaceMs: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const t0 = performance.now();
    const { faces, timings } = await analyze(image);
    frameMs.push(performance.now() - t0);
    detectMs.push(timings.detectMs);
    perFaceMs.push(...timings.perFaceMs);
    found = faces.length;
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    case: name,
    faces_expected: expected,
    faces_found: found,
    frames: frameMs.length,
    fps: round(frameMs.length / elapsed, 2),
    frame_ms_median: round(median(frameMs), 2),
    frame_ms_p95: round(percentile(frameMs, 95), 2),
    detect_ms_median: round(median(detectMs), 2),
    detect_ms_p95: round(percentile(detectMs, 95), 2),
    per_face_ms_median: round(median(perFaceMs), 2),
    per_face_ms_p95: round(percentile(perFaceMs, 95), 2),
  };
}

/** Median ms of `session.run` on a constant tensor of the model's input shape. */
async function modelOnly(session: InferenceSession): Promise<number | null> {
  const input = session.inputMetadata[0]!;
  if (!input.isTensor) return null;
  const shape = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 112));
  const tensor = new Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.1), shape);
  for (let i = 0; i < warmup; i++) await session.run({ [input.name]: tensor });
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < Math.min(2, seconds) * 1000) {
    const t0 = performance.now();
    await session.run({ [input.name]: tensor });
    times.push(performance.now() - t0);
  }
  return round(median(times), 2);
}

async function measureProvider(
  provider: ExecutionProvider,
  frames: [string, RgbImage, number][],
): Promise<ProviderResult> {
  const config = visionSchema.parse({
    providers: [provider],
    ...(threads === undefined ? {} : { intraOpThreads: threads }),
  });
  let analyze: Analyze;
  let close: () => Promise<void>;
  try {
    if (args.via === 'worker') {
      const worker = await FaceAnalyzerWorker.create(config, { root, logger });
      analyze = (image) => worker.analyzeTimed(image);
      close = () => worker.close();
    } else {
      const analyzer = await FaceAnalyzer.create(config, { root, logger });
      analyze = (image) => analyzer.analyzeTimed(image);
      close = () => analyzer.close();
    }
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    progress(BENCH, `${provider}: unavailable (${reason})`);
    return { provider, available: false, reason, cases: [], model_only_ms: null };
  }
  const cases: CaseResult[] = [];
  try {
    for (const [name, image, expected] of frames) {
      progress(BENCH, `${provider}: ${name}, ${seconds} s`);
      cases.push(await measureCase(analyze, name, image, expected));
    }
  } finally {
    await close();
  }
  // Baseline: the same models, bare.
  const factory = new OnnxSessionFactory(logger, { providers: [provider], intraOpNumThreads: threads });
  const models = config.models;
  const model_only_ms = { detector: null, landmarks: null, embedder: null } as ProviderResult['model_only_ms'] & {};
  for (const [key, path] of [
    ['detector', models.detector.path],
    ['landmarks', models.landmarks.path],
    ['embedder', models.embedder.path],
  ] as const) {
    const { session } = await factory.create(join(root, path), key);
    model_only_ms[key] = await modelOnly(session);
    await session.release();
  }
  return { provider, available: true, cases, model_only_ms };
}

installCleanup();
if (video) ensureWebBuilt(root, BENCH);
const frames: [string, RgbImage, number][] = [
  ['0 faces', noFaceFrame(), 0],
  ['1 face', await fitted('astronaut.png'), 1],
  ['5 faces', await fitted('sample5.jpg'), 5],
];
const intraOpThreads = threads ?? new OnnxSessionFactory(logger).intraOpNumThreads;
progress(BENCH, `${width}×${height} frames, ${intraOpThreads} intra-op thread(s), via ${args.via}`);
const results: ProviderResult[] = [];
for (const provider of providers) results.push(await measureProvider(provider, frames));

// Each analyzer alone (faces on the first provider that loaded, else the first asked for).
const aloneProvider = results.find((r) => r.available)?.provider ?? providers[0]!;
const alone: AloneResult[] = await runAlonePhase({
  root,
  logger,
  width,
  height,
  seconds,
  warmup,
  types: aloneTypes,
  vision: visionSchema.parse({
    providers: [aloneProvider],
    ...(threads === undefined ? {} : { intraOpThreads: threads }),
  }),
  bench: BENCH,
});

const rows: (string | number | null)[][] = [];
for (const r of results) {
  if (!r.available) {
    rows.push([r.provider, 'unavailable', null, null, null, null, null]);
    continue;
  }
  for (const c of r.cases) {
    rows.push([r.provider, c.case, c.faces_found, c.fps, c.frame_ms_median, c.detect_ms_median, c.per_face_ms_median]);
  }
  const m = r.model_only_ms!;
  rows.push([r.provider, 'baseline: session.run only', null, null, null, m.detector, m.embedder]);
  rows.push([r.provider, `  (landmark model run: ${m.landmarks} ms)`, null, null, null, null, null]);
}

let videoResult: VideoResult | null = null;
let sampleResult: SampleVideoResult | null = null;
if (video) {
  const { browser, close } = await launchChromium();
  const forget = onInterrupt(close);
  try {
    if (videoCamera !== 'photos') {
      sampleResult = await runSampleVideoPhase(browser, {
        root,
        durationS: videoS,
        warmupS: videoWarmupS,
        verbose: args.verbose,
        bench: BENCH,
      });
    }
    if (videoCamera !== 'sample')
      videoResult = await runVideoPhase(browser, {
        root,
        durationS: videoS,
        warmupS: videoWarmupS,
        rewriteHz,
        photos,
        verbose: args.verbose,
        bench: BENCH,
      });
  } finally {
    forget();
    await close();
  }
}

printTable(['provider', 'case', 'faces', 'frames/s', 'ms/frame', 'detect ms', 'per-face ms'], rows);
printAlone(alone);
if (sampleResult) printSample(sampleResult);
if (videoResult) printVideo(videoResult);

/** The analyzers-alone table. */
function printAlone(results: AloneResult[]): void {
  if (results.length === 0) return;
  process.stdout.write('\n');
  const rows: (string | number | null)[][] = [];
  for (const r of results) {
    if (!r.available) {
      rows.push([r.type, `unavailable: ${r.reason}`, null, null, null, null, null, null, null, null]);
      continue;
    }
    for (const c of r.cases) {
      const parts = Object.entries(c.breakdown)
        .filter(([k]) => k.endsWith('_ms_median'))
        .map(([k, v]) => `${k.replace(/_ms_median$/, '')} ${v}`)
        .join(', ');
      rows.push([
        `${r.type} (${r.provider})`,
        c.case,
        c.subjects,
        c.found,
        c.fps,
        c.ms_median,
        c.ms_p95,
        c.first_frame_ms,
        c.steady_ms_median,
        parts,
      ]);
    }
  }
  printTable(
    [
      'analyzer alone',
      'picture',
      'subjects',
      'found',
      'frames/s',
      'ms median',
      'ms p95',
      'first frame ms',
      'steady ms',
      'medians, ms',
    ],
    rows,
  );
}

/** The sample-camera video table, its analyzers and its verdict. */
function printSample(v: SampleVideoResult): void {
  process.stdout.write('\n');
  const cpu = (r: SampleVideoResult['off']): string | null =>
    r ? `server ${r.cpu_pct.server ?? '?'}%, camerad ${r.cpu_pct.camerad ?? '?'}%` : null;
  const host = (r: SampleVideoResult['off']): string | null =>
    r ? `${r.host.busy_pct}% of ${r.host.cores} (steal ${r.host.steal_pct}%)` : null;
  const row = (name: string, r: SampleVideoResult['off']): (string | number | null)[] => [
    name,
    r?.fps ?? null,
    r?.encoded_fps ?? null,
    r?.p50_ms ?? null,
    r?.p95_ms ?? null,
    r?.frames_dropped ?? null,
    cpu(r),
    host(r),
  ];
  printTable(
    [
      'sample camera',
      'fps',
      'encoded fps',
      'p50 ms',
      'p95 ms',
      'dropped (chromium)',
      'cpu (one core = 100%)',
      'host busy',
    ],
    [row('analyzers off', v.off), row('faces+hands+objects on', v.on)],
  );
  if (v.on) {
    process.stdout.write('\n');
    printTable(
      [
        'analyzer (all on)',
        'asked fps',
        'analysed/s',
        'achieved (median)',
        'frames',
        'shed',
        'shed share',
        'ms median',
      ],
      Object.entries(v.on.analyzers).map(([type, a]) => [
        `${type} (${a.provider})`,
        a.fps,
        a.analysed_fps,
        a.achieved_fps_median,
        a.frames,
        a.dropped,
        a.drop_ratio,
        a.ms_median,
      ]),
    );
  }
  const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'ok' : 'MISSED');
  process.stdout.write(
    `sample camera, faces+hands+objects at 15 fps each vs none: ${v.on?.fps ?? '?'} vs ${v.off?.fps ?? '?'} fps = ` +
      `${v.fps_ratio_on ?? '?'} (goal ≥ ${GOAL_ALL_ON_FPS_RATIO}: ${verdict(v.goals.fps_ratio_on_at_least_0_95)}); ` +
      `p95 ${v.on?.p95_ms ?? '?'} vs ${v.off?.p95_ms ?? '?'} ms = ${v.p95_ratio_on_vs_off ?? '?'}× ` +
      `(goal ≤ ${GOAL_P95_RATIO}: ${verdict(v.goals.p95_on_within_20_pct_of_off)}); analysed/s ` +
      Object.entries(v.analysed_fps)
        .map(([t, f]) => `${t} ${f ?? '?'}`)
        .join(', ') +
      (Object.keys(v.errors).length ? `; errors: ${JSON.stringify(v.errors)}` : '') +
      '\n',
  );
}

/** The video part's table and its one-line verdict. */
function printVideo(v: VideoResult): void {
  process.stdout.write('\n');
  const cpu = (r: VideoResult['off']): string | null =>
    r ? `server ${r.cpu_pct.server ?? '?'}%, camerad ${r.cpu_pct.camerad ?? '?'}%` : null;
  const host = (r: VideoResult['off']): string | null =>
    r ? `${r.host.busy_pct}% of ${r.host.cores} (steal ${r.host.steal_pct}%)` : null;
  printTable(
    [
      'video',
      'fps',
      'encoded fps',
      'p50 ms',
      'p95 ms',
      'every frame p95 ms',
      'source frames',
      'analysed/s',
      'faces',
      'cpu (one core = 100%)',
      'host busy',
    ],
    [
      [
        'analysis off',
        v.off?.fps ?? null,
        v.off?.encoded_fps ?? null,
        v.off?.p50_ms ?? null,
        v.off?.p95_ms ?? null,
        v.off?.all_frames_p95_ms ?? null,
        v.off?.source_frames ?? null,
        null,
        null,
        cpu(v.off),
        host(v.off),
      ],
      [
        'analysis on',
        v.on?.fps ?? null,
        v.on?.encoded_fps ?? null,
        v.on?.p50_ms ?? null,
        v.on?.p95_ms ?? null,
        v.on?.all_frames_p95_ms ?? null,
        v.on?.source_frames ?? null,
        v.on?.analysed_fps ?? null,
        v.on?.faces ?? null,
        cpu(v.on),
        host(v.on),
      ],
    ],
  );
  const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'ok' : 'MISSED');
  process.stdout.write(
    `video with analysis on (${v.on?.analysed_fps ?? '?'} frames analysed/s, ${v.on?.faces ?? '?'} face(s)): ` +
      `${v.on?.fps ?? '?'} fps = ${v.fps_ratio_on ?? '?'} × ${v.configured_fps} configured ` +
      `(goal ≥ ${GOAL_FPS_RATIO}: ${verdict(v.goals.fps_on_at_least_0_9_configured)}; off ${v.off?.fps ?? '?'} fps, ` +
      `on/off ${v.fps_ratio_on_vs_off ?? '?'}); ` +
      `p95 ${v.on?.p95_ms ?? '?'} ms vs ${v.off?.p95_ms ?? '?'} ms off = ${v.p95_ratio_on_vs_off ?? '?'}× ` +
      `(goal ≤ ${GOAL_P95_RATIO}: ${verdict(v.goals.p95_on_within_20_pct_of_off)})` +
      (Object.keys(v.errors).length ? `; errors: ${JSON.stringify(v.errors)}` : '') +
      '\n',
  );
}

const cpuCases = results.find((r) => r.available)?.cases ?? [];
/** `analyzers.<type>`: the one-subject case's figures on top, every case under `by_subjects`. */
const analyzersJson = Object.fromEntries(
  alone.map((r) => {
    const one = r.cases.find((c) => c.subjects === 1);
    return [
      r.type,
      {
        available: r.available,
        ...(r.reason ? { reason: r.reason } : {}),
        provider: r.provider,
        settings: r.settings,
        fps: one?.fps ?? null,
        ms_median: one?.ms_median ?? null,
        ms_p95: one?.ms_p95 ?? null,
        goal_fps_at_least_10: one?.fps == null ? null : one.fps >= GOAL_ALONE_FPS,
        by_subjects: Object.fromEntries(r.cases.map((c) => [String(c.subjects), c])),
      },
    ];
  }),
);
const goals = {
  analyzers_alone_fps_at_least_10: Object.fromEntries(
    ALONE_TYPES.map((t) => [t, analyzersJson[t]?.goal_fps_at_least_10 ?? null]),
  ),
  video_fps_ratio_on_at_least_0_95: sampleResult?.goals.fps_ratio_on_at_least_0_95 ?? null,
  video_p95_ratio_on_vs_off_at_most_1_2: sampleResult?.goals.p95_on_within_20_pct_of_off ?? null,
};
printJsonLine({
  bench: 'vision',
  git: gitRevision(root),
  machine: machineInfo(),
  frame: { width, height },
  intra_op_threads: intraOpThreads,
  via: args.via,
  seconds,
  models: { detector: 'faceplugin fr_detect.onnx (UltraFace RFB-320)', embedder: 'faceplugin fr_feature.onnx' },
  providers: results,
  all_faces_found: cpuCases.every((c) => c.faces_found === c.faces_expected),
  not_measured: [
    ...(video ? [] : ['video (--no-video)']),
    ...(video && videoCamera === 'sample'
      ? ['video_photos: the dir:// faces-photos camera (--video-camera photos|both)']
      : []),
    ...(video && videoCamera === 'photos'
      ? ['video: the sample camera with all analyzers (--video-camera sample|both)']
      : []),
    ...ALONE_TYPES.filter((t) => !aloneTypes.includes(t)).map((t) => `analyzers.${t} (--analyzers)`),
  ],
  analyzers: analyzersJson,
  goals,
  video: sampleResult,
  video_photos: videoResult,
});
const failed = [sampleResult, videoResult].some((v) => v && Object.keys(v.errors).length > 0);
process.exitCode = failed ? 1 : 0;
