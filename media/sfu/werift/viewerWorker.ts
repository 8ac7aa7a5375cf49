/**
 * Entry point of a viewer worker thread: one {@link ViewerHost} driven by messages from
 * {@link WorkerViewerHost} on the main thread (viewerWorkerProtocol.ts). Logs go to the main
 * thread's logger as JSON lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { ViewerHost } from './ViewerHost.js';
import { toWireError } from '../../core/workerWire.js';
import type { FromWorker, ToWorker, ViewerWorkerData } from './viewerWorkerProtocol.js';

const port = parentPort;
if (!port) throw new Error('viewerWorker.ts must run in a worker thread');
const data = workerData as ViewerWorkerData;
const post = (message: FromWorker): void => port.postMessage(message);

const logger = pino({ level: data.logLevel }, { write: (line: string) => post({ op: 'log', line }) });
const host = new ViewerHost(data.thread, data.network, logger.child({ module: 'sfu', sfu: 'werift' }), {
  keyframe: (cameraId, reason) => post({ op: 'keyframe', cameraId, reason }),
  viewers: (infos) => post({ op: 'viewers', infos }),
  viewerClosed: (info) => post({ op: 'viewerClosed', info }),
});

async function answer(id: number, work: () => Promise<unknown> | unknown): Promise<void> {
  try {
    post({ op: 'result', id, ok: true, value: await work() });
  } catch (error) {
    post({ op: 'result', id, ok: false, error: toWireError(error) });
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.op) {
    case 'addCamera':
      host.addCamera(message.cameraId, message.memory);
      break;
    case 'removeCamera':
      host.removeCamera(message.cameraId);
      break;
    case 'createViewer':
      void answer(message.id, () => host.createViewer(message.cameraId, message.offerSdp));
      break;
    case 'addCandidates':
      void answer(message.id, () => host.addCandidates(message.viewerId, message.candidates));
      break;
    case 'closeViewer':
      host.closeViewer(message.viewerId);
      break;
    case 'close':
      void answer(message.id, async () => {
        await host.close();
        port.close();
      });
      break;
  }
});
