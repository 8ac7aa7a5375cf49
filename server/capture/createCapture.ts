import type { Logger } from 'pino';
import type { AppDatabase } from '../store/AppDatabase.js';
import { type CaptureConfig, MIB, walletBudgetBytes } from './captureConfig.js';
import { CaptureQuota } from './CaptureQuota.js';
import type { CaptureCamera } from './captureTypes.js';
import { MediaStore } from './MediaStore.js';
import { MediaUrlSigner } from './MediaUrlSigner.js';
import { type FacesInFrame, PhotoCapture } from './PhotoCapture.js';
import { RecordingManager } from './RecordingManager.js';
import { RetentionSweeper } from './RetentionSweeper.js';

/** What {@link createCapture} needs. */
export interface CaptureDeps {
  /** The server's database, opened with `captureMigrations` among its migrations. */
  db: AppDatabase;
  cameras: ReadonlyMap<string, CaptureCamera>;
  /** Media go to `<dataDir>/media/<camera>/`. */
  dataDir: string;
  /** `outputs.recording`, `outputs.retention` and `outputs.quotas` (server/capture/captureConfig.ts). */
  config: CaptureConfig;
  /** Whether a wallet is the operator's (not bound by the quotas). Default: none is. */
  isOperatorWallet?: (wallet: string) => boolean;
  /** Faces tracked now on a camera (undefined, or returning undefined: face analysis is off). */
  faces?: FacesInFrame;
  logger: Logger;
}

/**
 * What the capture routes use (server/http/routers/captureRouter.ts takes it as its
 * `CaptureRouterDeps`): declared here so that capture imports no router.
 */
export interface CaptureRoutes {
  store: MediaStore;
  photos: PhotoCapture;
  recordings: RecordingManager;
  signer: MediaUrlSigner;
  /** Configured cameras; the first is the default for the admin token. */
  cameraIds: readonly string[];
}

/** Photos, recordings and their retention, with the routes' dependencies. */
export interface Capture {
  store: MediaStore;
  quota: CaptureQuota;
  photos: PhotoCapture;
  recordings: RecordingManager;
  sweeper: RetentionSweeper;
  /** Dependencies of `captureRouter`. */
  routes: CaptureRoutes;
  /** Stops running recordings (their files finished), then the retention timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds photo capture, recording, the per-wallet quotas and retention: marks recordings an earlier run left
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
  const { recording, retention, quotas } = deps.config;
  const store = new MediaStore({ db: deps.db, dataDir: deps.dataDir });
  const quota = new CaptureQuota({
    store,
    photosPerHour: quotas.photosPerHour,
    walletBytes: walletBudgetBytes(deps.config),
    walletBytesSetting:
      quotas.walletBudgetMib === undefined ? 'outputs.quotas.walletBudgetPercent' : 'outputs.quotas.walletBudgetMib',
    ...(deps.isOperatorWallet ? { isExempt: deps.isOperatorWallet } : {}),
  });
  const sweeper = new RetentionSweeper({
    store,
    maxAgeMs: retention.maxAgeDays * 86_400_000,
    diskBudgetBytes: Math.floor(retention.diskBudgetMib * MIB),
    quota,
    sweepIntervalMs: Math.round(retention.sweepIntervalS * 1000),
    logger: deps.logger,
  });
  const onItem = (): void => sweeper.schedule();
  const photos = new PhotoCapture({
    store,
    cameras: deps.cameras,
    ...(deps.faces ? { faces: deps.faces } : {}),
    onItem,
    quota,
    logger: deps.logger,
  });
  const recordings = new RecordingManager({
    store,
    cameras: deps.cameras,
    maxDurationMs: Math.round(recording.maxDurationS * 1000),
    fragmentMs: recording.fragmentMs,
    onItem,
    quota,
    logger: deps.logger,
  });
  recordings.recover();
  sweeper.start();
  const signer = new MediaUrlSigner();
  let closing: Promise<void> | undefined;
  return {
    store,
    quota,
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
