import type { Logger } from 'pino';
import { NotFoundError } from '../../core/errors.js';
import type { RemoteCandidate, Sfu, SfuCamera, SfuNetworkOptions, ViewerAnswer, ViewerInfo } from '../SfuTypes.js';
import { WeriftViewer } from './WeriftViewer.js';

interface CameraEntry {
  camera: SfuCamera;
  viewers: Map<string, WeriftViewer>;
}

/**
 * The embedded SFU on werift (pure TypeScript, no native build). Every viewer is an ICE-lite
 * werift peer fed from its camera's {@link RtpSource}. One JS thread carries about ten
 * 2.5 Mbit/s viewers (../shared/design/MEDIA-NOTES.md); spreading viewers over worker threads
 * is the next step.
 */
export class WeriftSfu implements Sfu {
  readonly name = 'werift';
  readonly #cameras = new Map<string, CameraEntry>();
  readonly #closedListeners = new Set<(viewer: ViewerInfo) => void>();
  readonly #network: SfuNetworkOptions;
  readonly #logger: Logger;
  #closed = false;

  constructor(network: SfuNetworkOptions, logger: Logger) {
    this.#network = network;
    this.#logger = logger.child({ module: 'sfu', sfu: 'werift' });
  }

  addCamera(camera: SfuCamera): void {
    if (this.#cameras.has(camera.id)) throw new TypeError(`camera ${camera.id} already added`);
    this.#cameras.set(camera.id, { camera, viewers: new Map() });
  }

  removeCamera(cameraId: string): void {
    const entry = this.#cameras.get(cameraId);
    if (!entry) return;
    for (const viewer of [...entry.viewers.values()]) viewer.close();
    this.#cameras.delete(cameraId);
  }

  async createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer> {
    const entry = this.#entry(cameraId);
    const logger = this.#logger.child({ camera: cameraId });
    const viewer = new WeriftViewer(entry.camera, this.#network, logger, (v) => this.#onViewerClosed(entry, v));
    entry.viewers.set(viewer.id, viewer);
    const answerSdp = await viewer.negotiate(offerSdp);
    logger.info({ viewer: viewer.id, viewers: entry.viewers.size }, 'viewer joined');
    return { viewerId: viewer.id, answerSdp };
  }

  async addRemoteCandidates(cameraId: string, viewerId: string, candidates: RemoteCandidate[]): Promise<void> {
    await this.#viewer(cameraId, viewerId).addCandidates(candidates);
  }

  closeViewer(cameraId: string, viewerId: string): boolean {
    const viewer = this.#cameras.get(cameraId)?.viewers.get(viewerId);
    if (!viewer) return false;
    viewer.close();
    return true;
  }

  viewers(cameraId: string): ViewerInfo[] {
    return [...(this.#cameras.get(cameraId)?.viewers.values() ?? [])].map((v) => v.info);
  }

  onViewerClosed(listener: (viewer: ViewerInfo) => void): () => void {
    this.#closedListeners.add(listener);
    return () => this.#closedListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#cameras.keys()]) this.removeCamera(id);
    this.#closedListeners.clear();
  }

  #entry(cameraId: string): CameraEntry {
    const entry = this.#cameras.get(cameraId);
    if (!entry) throw new NotFoundError(`unknown camera "${cameraId}"`);
    return entry;
  }

  #viewer(cameraId: string, viewerId: string): WeriftViewer {
    const viewer = this.#entry(cameraId).viewers.get(viewerId);
    if (!viewer) throw new NotFoundError(`unknown viewer "${viewerId}" of camera "${cameraId}"`);
    return viewer;
  }

  #onViewerClosed(entry: CameraEntry, viewer: WeriftViewer): void {
    if (!entry.viewers.delete(viewer.id)) return;
    this.#logger.info({ camera: entry.camera.id, viewer: viewer.id, viewers: entry.viewers.size }, 'viewer left');
    const info = viewer.info;
    for (const listener of this.#closedListeners) listener(info);
  }
}
