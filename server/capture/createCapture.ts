import type { Logger } from 'pino';
import type { CaptureRouterDeps } from '../http/routers/captureRouter.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import type { CaptureCamera } from './captureTypes.js';
import { MediaStore } from './MediaStore.js';
import { MediaUrlSigner } from './MediaUrlSigner.js';
import { type FacesInFrame, PhotoCapture } from './PhotoCapture.js';
import { RecordingManager } from './RecordingManager.js';
import { RetentionSweeper } from './RetentionSweeper.js';

/** Settings of photos and recordings (config `outputs.recording` and `outputs.retention`). */
export interface CaptureConfig {
  /** A recording stops by itself after this long, s. Default 3600. */
  maxRecordingS?: number;
  /** MP4 fragment length, ms (200..10000): at most this much is lost on a crash. Default 1000. */
  fragmentMs?: number;
  /** Photos and videos older than this are deleted, days. Default 30. */
  retentionDays?: number;
  /** The oldest photos and videos are deleted while all take more than this, MiB. Default 2048. */
  diskBudgetMb?: number;
  /** Retention check period, s. Default 300. */
  sweepIntervalS?: number;
  /** How long a signed download URL works, s. Default 3600. */
  signedUrlTtlS?: number;
}

/** What {@link createCapture} needs. */
export interface CaptureDeps {
  /** The server's database, opened with `captureMigrations` among its migrations. */
  db: AppDatabase;
  cameras: ReadonlyMap<string, CaptureCamera>;
  /** Media go to `<dataDir>/media/<camera>/`. */
  dataDir: string;
  config: CaptureConfig;
  /** Faces tracked now on a camera (undefined, or returning undefined: face analysis is off). */
  faces?: FacesInFrame;
  logger: Logger;
}

/** Photos, recordings and their retention, with the routes' dependencies. */
export interface Capture {
  store: MediaStore;
  photos: PhotoCapture;
  recordings: RecordingManager;
  sweeper: RetentionSweeper;
  /** Dependencies of `captureRouter`. */
  routes: CaptureRouterDeps;
  /** Stops running recordings (their files finished), then the retention timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds photo capture, recording and retention: marks recordings an earlier run left
 * `recording` as interrupted, and starts the retention timer (a sweep runs at once, then every
 * `sweepIntervalS` and after each new item). Close it before the cameras, so that recordings end
 * with a finished file.
 * @throws Error when the database lacks the `media_items` table (captureMigrations not applied).
 * @throws TypeError for a setting out of range.
 */
export function createCapture(deps: CaptureDeps): Capture {
  const table = deps.db.db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'media_items'`)
    .get();
  if (!table) throw new Error('media_items table missing: open the database with captureMigrations');
  const config = deps.config;
  const store = new MediaStore({ db: deps.db, dataDir: deps.dataDir });
  const sweeper = new RetentionSweeper({
    store,
    maxAgeMs: (config.retentionDays ?? 30) * 86_400_000,
    budgetBytes: (config.diskBudgetMb ?? 2048) * 1024 * 1024,
    intervalMs: Math.round((config.sweepIntervalS ?? 300) * 1000),
    logger: deps.logger,
  });
  const onItem = (): void => sweeper.schedule();
  const photos = new PhotoCapture({
    store,
    cameras: deps.cameras,
    ...(deps.faces ? { faces: deps.faces } : {}),
    onItem,
    logger: deps.logger,
  });
  const recordings = new RecordingManager({
    store,
    cameras: deps.cameras,
    maxDurationMs: Math.round((config.maxRecordingS ?? 3600) * 1000),
    ...(config.fragmentMs === undefined ? {} : { fragmentMs: config.fragmentMs }),
    onItem,
    logger: deps.logger,
  });
  recordings.recover();
  sweeper.start();
  const signer = new MediaUrlSigner(config.signedUrlTtlS === undefined ? {} : { ttlS: config.signedUrlTtlS });
  let closing: Promise<void> | undefined;
  return {
    store,
    photos,
    recordings,
    sweeper,
    routes: {
      store,
      photos,
      recordings,
      signer,
      cameraIds: [...deps.cameras.keys()],
    },
    close: () =>
      (closing ??= (async () => {
        sweeper.close();
        await recordings.close();
      })()),
  };
}
