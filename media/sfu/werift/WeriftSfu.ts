import type { Logger } from 'pino';
import { InvalidStateError, NotFoundError } from '../../core/errors.js';
import { RtpRing } from '../../rtp/RtpRing.js';
import type {
  KeyframeReason,
  RemoteCandidate,
  Sfu,
  SfuCamera,
  SfuFanoutOptions,
  SfuNetworkOptions,
  ViewerAnswer,
  ViewerInfo,
} from '../SfuTypes.js';
import { ViewerHost } from './ViewerHost.js';
import type { ViewerHostEvents, ViewerHostPort } from './ViewerHostTypes.js';
import { WorkerViewerHost } from './WorkerViewerHost.js';

interface CameraEntry {
  camera: SfuCamera;
  ring: RtpRing;
  unsubscribe: () => void;
}

interface ViewerEntry {
  cameraId: string;
  host: ViewerHostPort;
  info: ViewerInfo;
}

/**
 * The embedded SFU on werift (pure TypeScript, no native build).
 *
 * Fan-out: each camera's RTP goes once into a shared ring ({@link RtpRing}: keyframe
 * detection, GOP cache, retransmission buffer). Viewers live on `workers` worker threads
 * ({@link WorkerViewerHost}; or on this thread when `workers` is 0), each reading the rings
 * directly, so the main thread's cost does not grow with viewers and a 2-core box uses both
 * cores. A new viewer goes to the host with the fewest viewers.
 */
export class WeriftSfu implements Sfu {
  readonly name = 'werift';
  readonly #cameras = new Map<string, CameraEntry>();
  readonly #viewers = new Map<string, ViewerEntry>();
  readonly #closedListeners = new Set<(viewer: ViewerInfo) => void>();
  readonly #network: SfuNetworkOptions;
  readonly #fanout: SfuFanoutOptions;
  readonly #logger: Logger;
  readonly #hosts: ViewerHostPort[] = [];
  readonly #events: ViewerHostEvents;
  readonly #workerFailures = new Map<number, number>();
  #closed = false;

  constructor(network: SfuNetworkOptions, logger: Logger, fanout: SfuFanoutOptions) {
    this.#network = network;
    this.#fanout = fanout;
    this.#logger = logger.child({ module: 'sfu', sfu: 'werift' });
    this.#events = {
      keyframe: (cameraId, reason) => this.#requestKeyframe(cameraId, reason),
      viewers: (infos) => {
        for (const info of infos) {
          const entry = this.#viewers.get(info.id);
          if (entry) entry.info = info;
        }
      },
      viewerClosed: (info) => this.#onViewerClosed(info),
    };
    if (fanout.workers === 0) this.#hosts.push(new ViewerHost(0, network, this.#logger, this.#events));
    for (let thread = 1; thread <= fanout.workers; thread++) this.#hosts.push(this.#startWorker(thread));
    this.#logger.info({ workers: fanout.workers, gopCachePackets: fanout.gopCachePackets }, 'SFU started');
  }

  addCamera(camera: SfuCamera): void {
    if (this.#cameras.has(camera.id)) throw new TypeError(`camera ${camera.id} already added`);
    const ring = new RtpRing(this.#fanout.gopCachePackets);
    const unsubscribe = camera.source.subscribe((packet) => ring.write(packet));
    this.#cameras.set(camera.id, { camera, ring, unsubscribe });
    for (const host of this.#hosts) host.addCamera(camera.id, ring.memory);
  }

  removeCamera(cameraId: string): void {
    const entry = this.#cameras.get(cameraId);
    if (!entry) return;
    entry.unsubscribe();
    for (const host of this.#hosts) host.removeCamera(cameraId);
    for (const [id, viewer] of [...this.#viewers]) {
      if (viewer.cameraId === cameraId) this.#onViewerClosed({ ...viewer.info, id, state: 'closed' });
    }
    entry.ring.close();
    this.#cameras.delete(cameraId);
  }

  async createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer> {
    if (!this.#cameras.has(cameraId)) throw new NotFoundError(`unknown camera "${cameraId}"`);
    if (this.#hosts.length === 0) throw new InvalidStateError('no viewer thread is running (restarting)');
    const host = this.#hosts.reduce((a, b) => (b.viewerCount < a.viewerCount ? b : a));
    const { viewerId, answerSdp, info } = await host.createViewer(cameraId, offerSdp);
    this.#viewers.set(viewerId, { cameraId, host, info });
    this.#logger.info(
      { camera: cameraId, viewer: viewerId, thread: host.thread, viewers: this.viewers(cameraId).length },
      'viewer joined',
    );
    return { viewerId, answerSdp };
  }

  async addRemoteCandidates(cameraId: string, viewerId: string, candidates: RemoteCandidate[]): Promise<void> {
    await this.#viewer(cameraId, viewerId).host.addCandidates(viewerId, candidates);
  }

  closeViewer(cameraId: string, viewerId: string): boolean {
    const entry = this.#viewers.get(viewerId);
    if (!entry || entry.cameraId !== cameraId) return false;
    entry.host.closeViewer(viewerId);
    // Reported now: the host's own report for this viewer finds it gone and is ignored.
    this.#onViewerClosed({ ...entry.info, state: 'closed' });
    return true;
  }

  viewers(cameraId: string): ViewerInfo[] {
    return [...this.#viewers.values()].filter((v) => v.cameraId === cameraId).map((v) => v.info);
  }

  onViewerClosed(listener: (viewer: ViewerInfo) => void): () => void {
    this.#closedListeners.add(listener);
    return () => this.#closedListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#cameras.keys()]) this.removeCamera(id);
    await Promise.all(this.#hosts.map((host) => host.close()));
    this.#closedListeners.clear();
  }

  #startWorker(thread: number): WorkerViewerHost {
    const startedAt = Date.now();
    return new WorkerViewerHost(thread, this.#network, this.#logger, this.#events, (host, error) => {
      this.#hosts.splice(this.#hosts.indexOf(host), 1);
      // Its viewers went with it: report them closed (their browsers reconnect).
      for (const entry of [...this.#viewers.values()]) if (entry.host === host) this.#onViewerClosed(entry.info);
      if (this.#closed) return;
      // A worker that dies soon after starting is restarted with growing delays (0.5 s … 30 s).
      const failures = Date.now() - startedAt < 10_000 ? (this.#workerFailures.get(thread) ?? 0) + 1 : 1;
      this.#workerFailures.set(thread, failures);
      const delayMs = Math.min(30_000, 250 * 2 ** failures);
      this.#logger.error({ err: error, thread, delayMs }, 'viewer worker died; starting a new one');
      const timer = setTimeout(() => {
        if (this.#closed) return;
        const replacement = this.#startWorker(thread);
        this.#hosts.push(replacement);
        for (const [id, entry] of this.#cameras) replacement.addCamera(id, entry.ring.memory);
      }, delayMs);
      timer.unref();
    });
  }

  #requestKeyframe(cameraId: string, reason: KeyframeReason): void {
    this.#cameras.get(cameraId)?.camera.requestKeyframe(reason);
  }

  #viewer(cameraId: string, viewerId: string): ViewerEntry {
    if (!this.#cameras.has(cameraId)) throw new NotFoundError(`unknown camera "${cameraId}"`);
    const viewer = this.#viewers.get(viewerId);
    if (!viewer || viewer.cameraId !== cameraId) {
      throw new NotFoundError(`unknown viewer "${viewerId}" of camera "${cameraId}"`);
    }
    return viewer;
  }

  #onViewerClosed(info: ViewerInfo): void {
    const entry = this.#viewers.get(info.id);
    if (!entry) return;
    this.#viewers.delete(info.id);
    this.#logger.info(
      { camera: entry.cameraId, viewer: info.id, viewers: this.viewers(entry.cameraId).length },
      'viewer left',
    );
    for (const listener of this.#closedListeners) listener({ ...info, state: 'closed' });
  }
}
