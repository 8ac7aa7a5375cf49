import type { Logger } from 'pino';
import { NotFoundError } from '../../core/errors.js';
import type { RtpRingMemory } from '../../rtp/RtpRing.js';
import type { RemoteCandidate, SfuNetworkOptions, ViewerAnswer, ViewerInfo } from '../SfuTypes.js';
import { CameraFeed } from './CameraFeed.js';
import type { ViewerHostEvents, ViewerHostPort } from './ViewerHostTypes.js';
import { WeriftViewer } from './WeriftViewer.js';

/** Interval of the viewer counters sent to the main thread, in ms. */
const STATS_INTERVAL_MS = 1000;

/**
 * The viewers of one thread and a {@link CameraFeed} per camera. Runs on the main thread
 * (`webrtc.workers: 0`) or inside a worker (`viewerWorker.ts`); either way it reads the
 * cameras' shared rings directly.
 */
export class ViewerHost implements ViewerHostPort {
  readonly thread: number;
  readonly #network: SfuNetworkOptions;
  readonly #logger: Logger;
  readonly #events: ViewerHostEvents;
  readonly #feeds = new Map<string, CameraFeed>();
  readonly #viewers = new Map<string, { viewer: WeriftViewer; feed: CameraFeed }>();
  readonly #stats: NodeJS.Timeout;
  #closed = false;

  constructor(thread: number, network: SfuNetworkOptions, logger: Logger, events: ViewerHostEvents) {
    this.thread = thread;
    this.#network = network;
    this.#logger = logger.child({ thread });
    this.#events = events;
    this.#stats = setInterval(() => {
      if (this.#viewers.size > 0) this.#events.viewers([...this.#viewers.values()].map((v) => v.viewer.info));
    }, STATS_INTERVAL_MS);
    this.#stats.unref();
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  addCamera(cameraId: string, memory: RtpRingMemory): void {
    if (this.#feeds.has(cameraId)) return;
    const feed = new CameraFeed(
      cameraId,
      memory,
      (reason) => this.#events.keyframe(cameraId, reason),
      this.#logger.child({ camera: cameraId }),
    );
    this.#feeds.set(cameraId, feed);
  }

  removeCamera(cameraId: string): void {
    const feed = this.#feeds.get(cameraId);
    if (!feed) return;
    for (const { viewer, feed: f } of [...this.#viewers.values()]) if (f === feed) viewer.close();
    feed.stop();
    this.#feeds.delete(cameraId);
  }

  async createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer & { info: ViewerInfo }> {
    const feed = this.#feeds.get(cameraId);
    if (!feed) throw new NotFoundError(`unknown camera "${cameraId}"`);
    const viewer = new WeriftViewer(feed, this.#network, this.thread, this.#logger.child({ camera: cameraId }), {
      closed: (v) => this.#onClosed(v),
      changed: (v) => this.#events.viewers([v.info]),
    });
    this.#viewers.set(viewer.id, { viewer, feed });
    feed.add(viewer);
    const answerSdp = await viewer.negotiate(offerSdp);
    return { viewerId: viewer.id, answerSdp, info: viewer.info };
  }

  async addCandidates(viewerId: string, candidates: RemoteCandidate[]): Promise<void> {
    const entry = this.#viewers.get(viewerId);
    if (!entry) throw new NotFoundError(`unknown viewer "${viewerId}"`);
    await entry.viewer.addCandidates(candidates);
  }

  closeViewer(viewerId: string): void {
    this.#viewers.get(viewerId)?.viewer.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#stats);
    for (const id of [...this.#feeds.keys()]) this.removeCamera(id);
  }

  #onClosed(viewer: WeriftViewer): void {
    const entry = this.#viewers.get(viewer.id);
    if (!entry) return;
    this.#viewers.delete(viewer.id);
    entry.feed.remove(viewer);
    this.#events.viewerClosed(viewer.info);
  }
}
