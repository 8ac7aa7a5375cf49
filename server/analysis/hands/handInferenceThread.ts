/**
 * Entry point of the hands inference thread: {@link HandLandmarker}s (one per landmark variant
 * in use, TF.js WASM) driven by messages from {@link HandInferenceWorker}
 * (handInferenceProtocol.ts). Steps run one at a time in arrival order (TF.js WASM runs a model
 * synchronously on this thread). Logs go to the main thread's logger as JSON lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import pino from 'pino';
import { toWireError } from '../../../media/core/workerWire.js';
import { initTfjsWasm } from '../tfjs/TfjsGraphModel.js';
import type { HandLandmarkModelName } from './handsConfig.js';
import { HandLandmarker } from './HandLandmarker.js';
import type { FromHandWorker, HandInferenceWorkerData, ToHandWorker } from './handInferenceProtocol.js';

if (!parentPort) throw new Error('handInferenceThread.ts must run in a worker thread');
const port = parentPort;
const data = workerData as HandInferenceWorkerData;
const post = (message: FromHandWorker): void => port.postMessage(message);
const logger = pino({ level: data.logLevel }, { write: (line: string) => post({ op: 'log', line }) });

const landmarkers = new Map<HandLandmarkModelName, Promise<HandLandmarker>>();
function landmarker(model: HandLandmarkModelName): Promise<HandLandmarker> {
  let made = landmarkers.get(model);
  if (!made) {
    made = HandLandmarker.create({ root: data.root, model });
    landmarkers.set(model, made);
  }
  return made;
}

try {
  await initTfjsWasm();
  for (const model of data.models) await landmarker(model);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const provider = `tfjs:wasm${simd ? '-simd' : ''}`;
  logger.debug({ provider }, 'hands inference thread ready');
  post({ op: 'ready', provider });
} catch (error) {
  post({ op: 'failed', error: toWireError(error) });
  port.close();
  throw error;
}

/** Requests are chained so that each runs after the previous one. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ToHandWorker) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: ToHandWorker): Promise<void> {
  if (message.op === 'close') {
    for (const made of landmarkers.values()) (await made.catch(() => undefined))?.dispose();
    post({ op: 'closed', id: message.id });
    port.close();
    return;
  }
  try {
    const model = await landmarker(message.model);
    post({ op: 'result', id: message.id, ok: true, value: model.step(message) });
  } catch (error) {
    post({ op: 'result', id: message.id, ok: false, error: toWireError(error) });
  }
}
