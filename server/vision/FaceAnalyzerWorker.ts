import './ortTelemetryOff.js';
import type { Logger } from 'pino';
import { InferenceThreadHost } from '../../media/core/InferenceThreadHost.js';
import { assertRgbImage, type FaceAnalyzerParts } from './FaceAnalyzer.js';
import {
  type FaceAnalyzerWorkerData,
  type ToWorker,
  type WireImage,
  type WorkerResults,
} from './faceAnalyzerWorkerProtocol.js';
import { VisionBusyError } from './VisionBusyError.js';
import type { VisionConfig } from './visionConfig.js';
import type { AnalyzedFace, Box, DetectedFace, FaceToEmbed, KeptFrame, Point, RgbImage } from './visionTypes.js';

export interface FaceAnalyzerWorkerOptions {
  /** Folder relative model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** Called when the thread stops without `close()` (a crash), with why; pending analyses are rejected first. */
  onExit?: (error: Error) => void;
}

export interface AnalyzeOptions {
  /**
   * Move `image.data`'s buffer to the inference thread instead of copying it (the caller's view
   * becomes empty). Only done when the view spans its whole ArrayBuffer; otherwise it is copied.
   */
  transfer?: boolean;
}

/**
 * A {@link FaceAnalyzer} on its own worker thread, so that inference (synchronous inside
 * onnxruntime-node) never blocks the server's event loop. Requests run one at a time in order;
 * at most `vision.worker.maxPending` wait, and one more fails at once with
 * {@link VisionBusyError} (a live camera drops that frame rather than queueing it). Its
 * `detect(image)` and `embed(image, face)` are what a per-track recogniser needs (detect every
 * analysed frame, embed a track's face now and then); `analyze(image)` does both for every face.
 * The image is copied to the thread (about 0.1 ms for 640 × 360) unless `transfer` is set.
 */
export class FaceAnalyzerWorker {
  readonly providers: FaceAnalyzerParts['providers'];
  readonly #host: InferenceThreadHost<{ providers: FaceAnalyzerParts['providers'] }>;
  /** The last kept frame's handle. */
  #keptCount = 0;

  private constructor(host: InferenceThreadHost<{ providers: FaceAnalyzerParts['providers'] }>) {
    this.#host = host;
    this.providers = host.ready.providers;
  }

  /**
   * Starts the thread and waits until its models are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(config: VisionConfig, options: FaceAnalyzerWorkerOptions): Promise<FaceAnalyzerWorker> {
    const logger = options.logger.child({ module: 'vision' });
    const workerData: FaceAnalyzerWorkerData = { config, root: options.root, logLevel: logger.level };
    // Under tsx (tests, benches) this module is .ts and so is the worker; built, both are .js.
    const host = await InferenceThreadHost.start<{ providers: FaceAnalyzerParts['providers'] }>({
      from: import.meta.url,
      entry: 'faceAnalyzerThread',
      name: 'vision',
      workerData,
      logger,
      maxPending: config.worker.maxPending,
      busy: (pending) => new VisionBusyError(`${pending} vision requests already pending`),
      onExit: options.onExit,
    });
    return new FaceAnalyzerWorker(host);
  }

  /** Analyses sent and not yet answered. */
  get pending(): number {
    return this.#host.pending;
  }

  /** Every face in `image` with its embedding (see FaceAnalyzer.analyze). */
  async analyze(image: RgbImage, options: AnalyzeOptions = {}): Promise<AnalyzedFace[]> {
    return (await this.analyzeTimed(image, options)).faces;
  }

  /** {@link analyze} with the inference thread's stage timings. */
  analyzeTimed(image: RgbImage, options: AnalyzeOptions = {}): Promise<WorkerResults['analyze']> {
    return this.#request('analyze', image, options, (id, wire) => ({ op: 'analyze', id, image: wireImage(wire) }));
  }

  /**
   * Sends `image` to the inference thread once and keeps it there: `detect`, `embed` and
   * `landmarks` given the returned frame use it without sending the pixels again. The thread
   * keeps at most 16 frames (the oldest goes first); {@link release} each when done. Does not
   * count towards `maxPending` (it is a copy, not an inference).
   * @throws TypeError for a malformed image; InvalidStateError when closed or crashed.
   */
  keep(image: RgbImage): KeptFrame {
    assertRgbImage(image);
    const frame: KeptFrame = { kept: ++this.#keptCount, width: image.width, height: image.height };
    const { width, height, stride, data } = image;
    this.#host.post({
      op: 'keep',
      kept: frame.kept,
      image: { width, height, stride, data },
    } satisfies ToWorker);
    return frame;
  }

  /** Forgets a frame kept by {@link keep}. Idempotent; does nothing once closed. */
  release(frame: KeptFrame): void {
    if (!this.#host.stopped) this.#host.post({ op: 'release', kept: frame.kept } satisfies ToWorker);
  }

  /** Only the detector (see FaceAnalyzer.detect). */
  detect(image: RgbImage | KeptFrame, options: AnalyzeOptions = {}): Promise<DetectedFace[]> {
    return this.#request('detect', image, options, (id, wire) => ({ op: 'detect', id, ...wire }));
  }

  /** The embedding of one face of `image` (see FaceAnalyzer.embed). */
  embed(image: RgbImage | KeptFrame, face: FaceToEmbed, options: AnalyzeOptions = {}): Promise<Float32Array> {
    // Only the fields the thread needs cross it (a tracker's Track carries more).
    const wireFace: FaceToEmbed = face.landmarks5 ? { box: face.box, landmarks5: face.landmarks5 } : { box: face.box };
    return this.#request('embed', image, options, (id, wire) => ({ op: 'embed', id, face: wireFace, ...wire }));
  }

  /** The 68 points of each face given by its box (see FaceAnalyzer.landmarks68). */
  landmarks(image: RgbImage | KeptFrame, boxes: readonly Box[], options: AnalyzeOptions = {}): Promise<Point[][]> {
    const wireBoxes = boxes.map((b) => [b[0], b[1], b[2], b[3]] as const);
    return this.#request('landmarks', image, options, (id, wire) => ({
      op: 'landmarks',
      id,
      boxes: wireBoxes,
      ...wire,
    }));
  }

  /**
   * Sends one request. Rejects at once with VisionBusyError when `maxPending` are already
   * waiting, InvalidStateError when closed or crashed, TypeError for a malformed image.
   */
  #request<K extends keyof WorkerResults>(
    op: K,
    image: RgbImage | KeptFrame,
    options: AnalyzeOptions,
    message: (id: number, wire: WireImage) => ToWorker,
  ): Promise<WorkerResults[K]> {
    if ('kept' in image) {
      if (op === 'analyze') return Promise.reject(new TypeError('analyze needs the image itself'));
      const wire: WireImage = { kept: image.kept };
      return this.#host.request<WorkerResults[K]>((id) => message(id, wire));
    }
    try {
      assertRgbImage(image);
    } catch (error) {
      return Promise.reject(error);
    }
    const { data } = image;
    const transferable =
      options.transfer === true &&
      data.buffer instanceof ArrayBuffer &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength;
    const wire: WireImage = { image: { width: image.width, height: image.height, stride: image.stride, data } };
    return this.#host.request<WorkerResults[K]>(
      (id) => message(id, wire),
      transferable ? [data.buffer as ArrayBuffer] : [],
    );
  }

  /** Lets queued analyses finish, releases the models and stops the thread. Idempotent. */
  close(): Promise<void> {
    return this.#host.close();
  }
}

/** The image of a request that carries its pixels. */
function wireImage(wire: WireImage): RgbImage {
  if ('image' in wire) return wire.image;
  throw new TypeError('this request needs the image itself');
}
