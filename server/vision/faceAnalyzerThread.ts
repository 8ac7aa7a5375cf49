/**
 * Entry point of the inference thread: one {@link FaceAnalyzer} driven by messages from
 * {@link FaceAnalyzerWorker} (faceAnalyzerWorkerProtocol.ts). Requests run one at a time in
 * arrival order (onnxruntime-node runs a model synchronously on this thread); embeddings go
 * back as transferred buffers. Logs go to the main thread's logger as JSON lines.
 */
import { toWireError } from '../../media/core/workerWire.js';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { FaceAnalyzer } from './FaceAnalyzer.js';
import {
  type FaceAnalyzerWorkerData,
  type FromWorker,
  MAX_KEPT_FRAMES,
  type ToWorker,
  type WireImage,
  type WorkerResults,
} from './faceAnalyzerWorkerProtocol.js';
import type { RgbImage } from './visionTypes.js';

if (!parentPort) throw new Error('faceAnalyzerThread.ts must run in a worker thread');
const port = parentPort;
const data = workerData as FaceAnalyzerWorkerData;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const logger = pino({ level: data.logLevel }, { write: (line: string) => post({ op: 'log', line }) });

let analyzer: FaceAnalyzer;
try {
  analyzer = await FaceAnalyzer.create(data.config, { root: data.root, logger });
  post({ op: 'ready', providers: analyzer.providers });
} catch (error) {
  post({ op: 'failed', error: toWireError(error) });
  port.close();
  throw error;
}

/** Frames kept by `keep`, oldest first (a Map keeps insertion order). */
const kept = new Map<number, RgbImage>();

/** The pixels a request names. @throws Error when its kept frame was released or dropped. */
function imageOf(wire: WireImage): RgbImage {
  if ('image' in wire) return wire.image;
  const image = kept.get(wire.kept);
  if (!image) throw new Error(`kept frame ${wire.kept} is gone (released, or more than ${MAX_KEPT_FRAMES} kept)`);
  return image;
}

/** Requests are chained so that each runs after the previous one. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});

/** Runs `work` and posts its value (with the buffers to transfer) or its error. */
async function answer(
  id: number,
  work: () => Promise<[WorkerResults[keyof WorkerResults], ArrayBuffer[]]>,
): Promise<void> {
  try {
    const [value, transfer] = await work();
    post({ op: 'result', id, ok: true, value }, transfer);
  } catch (error) {
    post({ op: 'result', id, ok: false, error: toWireError(error) });
  }
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.op) {
    case 'analyze':
      await answer(message.id, async () => {
        const result = await analyzer.analyzeTimed(message.image);
        return [result, result.faces.map((f) => f.embedding.buffer as ArrayBuffer)];
      });
      break;
    case 'detect':
      await answer(message.id, async () => [await analyzer.detect(imageOf(message)), []]);
      break;
    case 'embed':
      await answer(message.id, async () => {
        const embedding = await analyzer.embed(imageOf(message), message.face);
        return [embedding, [embedding.buffer as ArrayBuffer]];
      });
      break;
    case 'landmarks':
      await answer(message.id, async () => [await analyzer.landmarks68(imageOf(message), message.boxes), []]);
      break;
    case 'keep':
      kept.set(message.kept, message.image);
      if (kept.size > MAX_KEPT_FRAMES) kept.delete(kept.keys().next().value!);
      break;
    case 'release':
      kept.delete(message.kept);
      break;
    case 'close':
      await analyzer.close();
      post({ op: 'closed', id: message.id });
      port.close();
      break;
  }
}
