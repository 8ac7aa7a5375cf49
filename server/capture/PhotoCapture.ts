import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { NotFoundError } from '../../media/core/errors.js';
import { writeFileAtomic } from '../../media/core/writeFileAtomic.js';
import { CaptureError } from './CaptureError.js';
import type { CaptureQuota } from './CaptureQuota.js';
import type { CaptureCamera, FaceInPhoto, MediaCaller, MediaItem } from './captureTypes.js';
import type { MediaStore } from './MediaStore.js';
import { newMediaId } from './mediaId.js';

/** The faces a camera's analysis tracks now, or undefined when face analysis is off. */
export type FacesInFrame = (
  cameraId: string,
) => { box: [number, number, number, number]; wallet: string | null }[] | undefined;

/** JPEG quality of photos (camerad's grab default is 85). */
export const PHOTO_QUALITY = 92;

/**
 * Takes photos: the camera's next full-size output frame as JPEG, clean (no overlay boxes, no
 * probe strip), written atomically (temp file, fsync, rename; mode 0600) as
 * `<dataDir>/media/<camera>/<id>.jpg`, with its metadata: camera, capture time, the owner's
 * wallet, picture size, bytes, and the faces in frame when face analysis is on (a wallet only
 * when the photographer may see it: their own, or any for the operator).
 */
export class PhotoCapture {
  readonly #store: MediaStore;
  readonly #cameras: ReadonlyMap<string, CaptureCamera>;
  readonly #faces: FacesInFrame | undefined;
  readonly #onItem: (item: MediaItem) => void;
  readonly #quota: CaptureQuota | undefined;
  readonly #logger: Logger;

  /**
   * @param opts.onItem called after each new photo (the retention sweeper's trigger).
   * @param opts.quota per-wallet photo and byte quotas; default none.
   */
  constructor(opts: {
    store: MediaStore;
    cameras: ReadonlyMap<string, CaptureCamera>;
    faces?: FacesInFrame;
    onItem?: (item: MediaItem) => void;
    quota?: CaptureQuota;
    logger: Logger;
  }) {
    this.#store = opts.store;
    this.#cameras = opts.cameras;
    this.#faces = opts.faces;
    this.#onItem = opts.onItem ?? (() => undefined);
    this.#quota = opts.quota;
    this.#logger = opts.logger.child({ module: 'photos' });
  }

  /**
   * Takes a photo on `cameraId` for `caller`.
   * @returns the stored item.
   * @throws NotFoundError for an unknown camera.
   * @throws InvalidStateError when camerad is not connected; CameradError `busy` when too many grabs run.
   * @throws CaptureError `no_signal` when the source is lost (the picture would be the NO SIGNAL slate),
   *   `disk_full` when the disk has no space left (nothing is kept); `rate_limited` / `over_quota`
   *   when the caller's wallet is at a quota (checked before the grab, and again with the picture's
   *   size just before it is written: nothing is written when refused).
   */
  async capture(cameraId: string, caller: MediaCaller): Promise<MediaItem> {
    const camera = this.#cameras.get(cameraId);
    if (!camera) throw new NotFoundError(`unknown camera "${cameraId}"`);
    this.#quota?.checkPhoto(caller);
    const frame = await camera.grab({ format: 'jpeg', overlays: false, quality: PHOTO_QUALITY });
    if (frame.noSignal) throw new CaptureError('no_signal', `camera "${cameraId}" has no picture (source lost)`);
    // No await from here to the insert: concurrent captures of one wallet cannot both pass.
    this.#quota?.checkPhoto(caller, frame.data.length);
    const faces = this.#facesFor(cameraId, caller);
    const id = newMediaId();
    const { file, path } = this.#store.newFile(cameraId, id, 'jpg');
    try {
      writeFileAtomic(path, frame.data, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
        this.#logger.error({ camera: cameraId, dir: this.#store.mediaDir }, 'photo not saved: no space left on device');
        throw new CaptureError(
          'disk_full',
          'no space left on the device of the data directory: the photo was not saved',
          'disk',
        );
      }
      throw error;
    }
    const item: MediaItem = {
      id,
      kind: 'photo',
      cameraId,
      wallet: caller.wallet,
      createdAt: Date.now(),
      startedAt: frame.captureTimeMs,
      stoppedAt: null,
      frames: 1,
      bytes: frame.data.length,
      width: frame.width,
      height: frame.height,
      status: 'complete',
      error: null,
      faces,
      file,
    };
    try {
      this.#store.insert(item);
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
    this.#quota?.notePhoto(caller, item.createdAt);
    this.#logger.info({ camera: cameraId, id, bytes: item.bytes }, 'photo taken');
    this.#onItem(item);
    return item;
  }

  #facesFor(cameraId: string, caller: MediaCaller): FaceInPhoto[] | null {
    const faces = this.#faces?.(cameraId);
    if (faces === undefined) return null;
    return faces.map((f) => ({
      box: f.box,
      wallet: f.wallet !== null && (caller.operator || f.wallet === caller.wallet) ? f.wallet : null,
    }));
  }
}
