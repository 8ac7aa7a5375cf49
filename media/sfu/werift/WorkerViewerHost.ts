import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidStateError } from '../../core/errors.js';
import type { RtpRingMemory } from '../../rtp/RtpRing.js';
import type { RemoteCandidate, SfuNetworkOptions, ViewerAnswer, ViewerInfo } from '../SfuTypes.js';
import type { ViewerHostEvents, ViewerHostPort } from './ViewerHostTypes.js';
import { PendingRequests } from '../../core/PendingRequests.js';
import { forwardWorkerLog, startModuleWorker } from '../../core/workerWire.js';
import type { FromWorker, ToWorker, ViewerWorkerData } from './viewerWorkerProtocol.js';

/** How long `close()` waits for the worker to close its viewers before terminating it, in ms. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * A {@link ViewerHost} in a worker thread, driven from the main thread. The worker reads the
 * cameras' shared rings itself, so packets never cross `postMessage`; only signalling
 * (offers, answers, candidates), keyframe requests, viewer counters and log lines do.
 *
 * If the worker dies, `onExit` lets the SFU report its viewers closed (their browsers
 * reconnect) and replace the worker.
 */
export class WorkerViewerHost implements ViewerHostPort {
  readonly thread: number;
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #events: ViewerHostEvents;
  readonly #pending = new PendingRequests();
  /** Ids of this worker's viewers (their counters live in the SFU's index). */
  readonly #viewerIds = new Set<string>();
  readonly #exited: Promise<void>;
  #closed = false;

  /**
   * @param onExit called when the worker stopped without `close()` (crash), with its error.
   */
  constructor(
    thread: number,
    network: SfuNetworkOptions,
    logger: Logger,
    events: ViewerHostEvents,
    onExit: (host: WorkerViewerHost, error: Error) => void,
  ) {
    this.thread = thread;
    this.#logger = logger.child({ thread });
    this.#events = events;
    // Under tsx (tests) this module is .ts and so is the worker; built, both are .js.
    const workerData: ViewerWorkerData = { thread, network, logLevel: logger.level };
    this.#worker = startModuleWorker(import.meta.url, 'viewerWorker', { workerData, name: `viewers-${thread}` });
    this.#worker.on('message', (message: FromWorker) => this.#onMessage(message));
    this.#worker.on('error', (error) => this.#logger.error({ err: error }, 'viewer worker failed'));
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#pending.failAll(new InvalidStateError(`viewer worker ${thread} exited (code ${code})`));
        this.#viewerIds.clear();
        if (!this.#closed) onExit(this, new Error(`viewer worker ${thread} exited with code ${code}`));
        resolve();
      });
    });
  }

  get viewerCount(): number {
    return this.#viewerIds.size;
  }

  addCamera(cameraId: string, memory: RtpRingMemory): void {
    this.#post({ op: 'addCamera', cameraId, memory });
  }

  removeCamera(cameraId: string): void {
    this.#post({ op: 'removeCamera', cameraId });
  }

  async createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer & { info: ViewerInfo }> {
    const result = await this.#request<ViewerAnswer & { info: ViewerInfo }>((id) => ({
      op: 'createViewer',
      id,
      cameraId,
      offerSdp,
    }));
    this.#viewerIds.add(result.viewerId);
    return result;
  }

  async addCandidates(viewerId: string, candidates: RemoteCandidate[]): Promise<void> {
    await this.#request((id) => ({ op: 'addCandidates', id, viewerId, candidates }));
  }

  closeViewer(viewerId: string): void {
    this.#viewerIds.delete(viewerId);
    this.#post({ op: 'closeViewer', viewerId });
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    const timeout = new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
    await Promise.race([this.#request((id) => ({ op: 'close', id })).catch(() => undefined), timeout]);
    await this.#worker.terminate();
    await this.#exited;
  }

  #post(message: ToWorker): void {
    if (!this.#closed || message.op === 'close') this.#worker.postMessage(message);
  }

  /** Sends the request `message(id)` builds and waits for its result. */
  #request<T>(message: (id: number) => ToWorker): Promise<T> {
    return this.#pending.add<T>((id) => this.#worker.postMessage(message(id)));
  }

  #onMessage(message: FromWorker): void {
    switch (message.op) {
      case 'result':
        this.#pending.settle(message);
        break;
      case 'keyframe':
        this.#events.keyframe(message.cameraId, message.reason);
        break;
      case 'viewers':
        this.#events.viewers(message.infos);
        break;
      case 'viewerClosed':
        this.#viewerIds.delete(message.info.id);
        this.#events.viewerClosed(message.info);
        break;
      case 'log':
        this.#log(message.line);
        break;
    }
  }

  #log(line: string): void {
    forwardWorkerLog(this.#logger, line, 'a viewer worker');
  }
}
