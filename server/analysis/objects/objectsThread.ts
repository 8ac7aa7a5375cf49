/**
 * Entry point of the objects inference thread: {@link ObjectDetector}s (one per registry model
 * asked for, loaded once) driven by messages from {@link ObjectsWorker} (objectsWorkerProtocol.ts).
 * Requests run one at a time in arrival order (TF.js's WASM backend runs synchronously on this
 * thread). Logs go to the main thread's logger as JSON lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import pino from 'pino';
import { toWireError } from '../../../media/core/workerWire.js';
import { initTfjsWasm } from '../tfjs/TfjsGraphModel.js';
import { ObjectDetector } from './ObjectDetector.js';
import type { ObjectModelName } from './objectModels.js';
import type { FromWorker, ObjectsWorkerData, ToWorker } from './objectsWorkerProtocol.js';

if (!parentPort) throw new Error('objectsThread.ts must run in a worker thread');
const port = parentPort;
const data = workerData as ObjectsWorkerData;
const post = (message: FromWorker): void => port.postMessage(message);
const logger = pino({ level: data.logLevel }, { write: (line: string) => post({ op: 'log', line }) });

const detectors = new Map<ObjectModelName, Promise<ObjectDetector>>();
const detectorFor = (model: ObjectModelName): Promise<ObjectDetector> => {
  let detector = detectors.get(model);
  if (!detector) {
    detector = ObjectDetector.load(data.root, model);
    detectors.set(model, detector);
    detector.catch(() => detectors.delete(model));
  }
  return detector;
};

try {
  await initTfjsWasm();
  for (const model of data.models) await detectorFor(model);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  logger.debug({ models: data.models, simd }, 'objects inference thread ready');
  post({ op: 'ready', provider: simd ? 'tfjs:wasm-simd' : 'tfjs:wasm' });
} catch (error) {
  post({ op: 'failed', error: toWireError(error) });
  port.close();
  throw error;
}

/** Requests are chained so that each runs after the previous one. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  if (message.op === 'close') {
    for (const detector of detectors.values()) (await detector.catch(() => undefined))?.close();
    detectors.clear();
    post({ op: 'closed', id: message.id });
    port.close();
    return;
  }
  try {
    const started = performance.now();
    const detector = await detectorFor(message.request.model);
    const objects = await detector.detect(message.image, {
      minScore: message.request.minScore,
      classes: message.request.classes,
    });
    post({ op: 'result', id: message.id, ok: true, value: { objects, ms: performance.now() - started } });
  } catch (error) {
    post({ op: 'result', id: message.id, ok: false, error: toWireError(error) });
  }
}
