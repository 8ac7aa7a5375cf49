import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { HelloData } from '../../media/camerad/CameradProtocol.js';
import type { CameradState } from '../../media/camerad/CameradSupervisorTypes.js';
import { CameradError, InvalidStateError, NotFoundError } from '../../media/core/errors.js';
import { CaptureError } from './CaptureError.js';
import type { CaptureQuota } from './CaptureQuota.js';
import type { RecordingEvent, RecordingResult } from '../../media/camerad/CameradProtocol.js';
import type { CaptureCamera, MediaCaller, MediaItem, MediaStatus } from './captureTypes.js';
import type { MediaPatch, MediaStore } from './MediaStore.js';
import { newMediaId } from './mediaId.js';

/** A recording camerad is writing now. */
interface ActiveRecording {
  id: string;
  cameraId: string;
  wallet: string | null;
  /** Absolute path of the MP4 camerad writes. */
  path: string;
  /** camerad's pid when the recording started (a `hello` from another pid means it restarted). */
  pid: number | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The stop in progress, so that concurrent stops share it. */
  stopping: Promise<MediaItem> | undefined;
  /** The row has its final status (complete, interrupted or failed). */
  done: boolean;
  /** When camerad started writing, ms since the Unix epoch (the quota watch's rate estimate). */
  startedAt: number;
  /** The byte-quota watch (wallets the quota binds). */
  quotaTimer: NodeJS.Timeout | undefined;
  /** Why the server stopped it before its owner did (kept as the item's `error`). */
  stopReason: string | undefined;
}

/**
 * What the recordings did since the server started (read by server/metrics/RecordingMetrics.ts
 * before each scrape).
 */
export interface RecordingTotals {
  /** Cameras recording now. */
  recording: string[];
  /** Recordings ended since the server started, by final status. */
  ended: Record<Exclude<MediaStatus, 'recording'>, number>;
  /**
   * Bytes written to recordings since the server started: the final size of those ended plus the
   * current size of those running, bytes.
   */
  bytes: number;
}

/** How often a recording's size is checked against its wallet's byte quota, ms. */
export const QUOTA_CHECK_MS = 500;

/** Options of {@link RecordingManager}. */
export interface RecordingManagerOptions {
  store: MediaStore;
  cameras: ReadonlyMap<string, CaptureCamera>;
  /** A recording stops by itself after this long, ms. */
  maxDurationMs: number;
  /** MP4 fragment length, ms (200..10000; `outputs.recording.fragmentMs`): at most this much is lost when camerad dies. */
  fragmentMs: number;
  /** Called after a recording started and after it ended (the retention sweeper's trigger). */
  onItem?: (item: MediaItem) => void;
  /** Per-wallet byte quota; a recording stops before its wallet goes over it. Default: none. */
  quota?: CaptureQuota;
  logger: Logger;
}

/**
 * Video recordings, one at a time per camera and per wallet, written by camerad as fragmented MP4 (H.264 as
 * encoded, no re-encode) to `<dataDir>/media/<camera>/<id>.mp4`:
 * - `start` asks camerad to record (`Camera.startRecording`) and arms the maximum-duration timer;
 *   `stop` finishes the file (`Camera.stopRecording`) and stores frames, bytes and the wall-clock
 *   times of the first and last frames camerad wrote.
 * - camerad's `recording` notifications: `recording` sets the start time to the first written
 *   frame's; `failed` (e.g. ENOSPC: "No space left on device") ends the item with status `failed`
 *   and camerad's error, keeping the file (playable up to its last complete fragment).
 * - a camerad that stops or restarts during a recording (supervisor `state` leaving `running`,
 *   or a `hello` from another pid) ends the item as `interrupted`; rows left `recording` by an
 *   earlier server run are marked `interrupted` by {@link recover}. Such files are still listed
 *   and served: fragmented MP4 demuxes up to the last complete fragment.
 * - with a `quota`, a wallet it binds must be under its byte quota to start, and its recording
 *   is stopped (status `complete`, `error` saying why) when the wallet's bytes would pass the
 *   quota within the next check and two fragments, estimated from the rate the file grew so far.
 * Database failures while ending a recording (a full disk can hit SQLite too) are logged and
 * never stop the server.
 */
export class RecordingManager {
  readonly #store: MediaStore;
  readonly #cameras: ReadonlyMap<string, CaptureCamera>;
  readonly #maxDurationMs: number;
  readonly #fragmentMs: number;
  readonly #onItem: (item: MediaItem) => void;
  readonly #quota: CaptureQuota | undefined;
  readonly #logger: Logger;
  readonly #active = new Map<string, ActiveRecording>();
  readonly #unsubscribe: (() => void)[] = [];
  /** Recordings ended by this manager, by final status, and their bytes. */
  readonly #ended = { complete: 0, interrupted: 0, failed: 0 };
  #endedBytes = 0;
  #closing: Promise<void> | undefined;

  /**
   * Subscribes to every camera's recording notifications and camerad lifecycle.
   * @throws TypeError when `maxDurationMs` is not a positive integer or `fragmentMs` is outside 200..10000.
   */
  constructor(opts: RecordingManagerOptions) {
    if (!Number.isSafeInteger(opts.maxDurationMs) || opts.maxDurationMs < 1) {
      throw new TypeError('maxDurationMs must be a positive integer (ms)');
    }
    const fragmentMs = opts.fragmentMs;
    if (!Number.isInteger(fragmentMs) || fragmentMs < 200 || fragmentMs > 10_000) {
      throw new TypeError('fragmentMs must be an integer from 200 to 10000 (ms)');
    }
    this.#store = opts.store;
    this.#cameras = opts.cameras;
    this.#maxDurationMs = opts.maxDurationMs;
    this.#fragmentMs = fragmentMs;
    this.#onItem = opts.onItem ?? (() => undefined);
    this.#quota = opts.quota;
    this.#logger = opts.logger.child({ module: 'recordings' });
    for (const [cameraId, camera] of this.#cameras) {
      const onHello = (hello: HelloData): void => this.#onHello(cameraId, hello);
      const onState = (state: CameradState): void => this.#onState(cameraId, state);
      const offHello = camera.onRestarted(onHello);
      const offState = camera.onState(onState);
      const offRecording = camera.onRecording((event) => this.#onEvent(cameraId, event));
      this.#unsubscribe.push(() => {
        offHello();
        offState();
        offRecording();
      });
    }
  }

  /**
   * Ends the rows an earlier server run left `recording`: `interrupted` with the file's size and
   * last write time, or `failed` when camerad never created the file. Call once at start, before
   * any {@link start}.
   * @returns the items ended.
   */
  recover(): MediaItem[] {
    const ended: MediaItem[] = [];
    for (const item of this.#store.recording()) {
      if ([...this.#active.values()].some((a) => a.id === item.id)) continue;
      const bytes = this.#store.fileSize(item);
      const patch: MediaPatch =
        bytes === undefined
          ? { status: 'failed', error: 'the server stopped before camerad wrote the file', bytes: 0 }
          : {
              status: 'interrupted',
              error: 'the server stopped during the recording',
              bytes,
              stoppedAt: this.#store.fileModifiedAt(item) ?? null,
            };
      const updated = this.#store.update(item.id, patch);
      if (updated) ended.push(updated);
    }
    if (ended.length > 0) this.#logger.warn({ items: ended.map((i) => i.id) }, 'recordings interrupted by a restart');
    return ended;
  }

  /** The recording running on a camera now, if any. */
  current(cameraId: string): MediaItem | undefined {
    const active = this.#active.get(cameraId);
    return active && !active.done ? this.#store.get(active.id) : undefined;
  }

  /**
   * Recordings running now, ended so far and bytes written (the sizes of running files are read
   * from disk: one `stat` per running recording).
   */
  totals(): RecordingTotals {
    const running = [...this.#active.values()].filter((a) => !a.done);
    const bytes = running.reduce((sum, a) => sum + (this.#store.fileSize({ file: this.#fileOf(a) }) ?? 0), 0);
    return {
      recording: running.map((a) => a.cameraId),
      ended: { ...this.#ended },
      bytes: this.#endedBytes + bytes,
    };
  }

  /**
   * Starts recording `cameraId` for `caller`. Resolves once camerad has created the file (the
   * first frame is the next keyframe).
   * @returns the item, status `recording` (or already ended when camerad failed at once).
   * @throws NotFoundError for an unknown camera.
   * @throws CaptureError `busy` when the camera is already recording, or the caller's wallet is
   *   (on any camera; not for the operator); `over_quota` when the wallet is at its byte quota;
   *   `disk_full` when the file cannot be created for lack of space.
   * @throws InvalidStateError when camerad is not connected or the manager is closed.
   */
  async start(cameraId: string, caller: MediaCaller): Promise<MediaItem> {
    if (this.#closing) throw new InvalidStateError('recordings are shutting down');
    const camera = this.#cameras.get(cameraId);
    if (!camera) throw new NotFoundError(`unknown camera "${cameraId}"`);
    const running = this.#active.get(cameraId);
    if (running) {
      throw new CaptureError(
        'busy',
        `camera "${cameraId}" is already recording (video ${running.id}): stop it first`,
        'cameraId',
      );
    }
    const own = [...this.#active.values()].find((a) => !a.done && a.wallet !== null && a.wallet === caller.wallet);
    if (own && !caller.operator) {
      throw new CaptureError(
        'busy',
        `your wallet is already recording (video ${own.id} on camera "${own.cameraId}"): one recording per wallet, stop it first`,
        'wallet',
      );
    }
    this.#quota?.checkRecording(caller);
    const id = newMediaId();
    const { file, path } = this.#store.newFile(cameraId, id, 'mp4');
    const active: ActiveRecording = {
      id,
      cameraId,
      wallet: caller.wallet,
      path,
      pid: camera.pid,
      timer: undefined,
      stopping: undefined,
      done: false,
      startedAt: Date.now(),
      quotaTimer: undefined,
      stopReason: undefined,
    };
    this.#active.set(cameraId, active);
    const now = Date.now();
    try {
      this.#store.insert({
        id,
        kind: 'video',
        cameraId,
        wallet: caller.wallet,
        createdAt: now,
        startedAt: now,
        stoppedAt: null,
        frames: null,
        bytes: null,
        width: camera.size.width,
        height: camera.size.height,
        status: 'recording',
        error: null,
        faces: null,
        file,
      });
    } catch (error) {
      this.#active.delete(cameraId);
      throw error;
    }
    try {
      await this.#startCamerad(camera, path);
    } catch (error) {
      if (this.#active.get(cameraId) === active) this.#active.delete(cameraId);
      active.done = true;
      try {
        this.#store.discard(id);
      } catch (discardError) {
        this.#logger.error({ err: discardError, id }, 'cannot remove the item of a recording that did not start');
      }
      throw this.#mapStartError(error);
    }
    active.pid = camera.pid ?? active.pid;
    const item = this.#store.get(id)!;
    if (active.done) return item;
    active.timer = setTimeout(() => this.#autoStop(active), this.#maxDurationMs).unref();
    active.startedAt = Date.now();
    if (this.#quota?.binds(caller.operator ? null : caller.wallet)) {
      active.quotaTimer = setInterval(() => this.#checkQuota(active), QUOTA_CHECK_MS).unref();
    }
    this.#logger.info({ camera: cameraId, id }, 'recording started');
    this.#onItem(item);
    return item;
  }

  /**
   * Stops the camera's recording and finishes its file. Concurrent calls share one stop.
   * @returns the item: `complete` with frames, bytes and times; `interrupted` when camerad had
   *   already lost it; `failed` when it failed meanwhile.
   * @throws NotFoundError for an unknown camera.
   * @throws CaptureError `not_recording` when the camera is not recording.
   */
  async stop(cameraId: string): Promise<MediaItem> {
    const camera = this.#cameras.get(cameraId);
    if (!camera) throw new NotFoundError(`unknown camera "${cameraId}"`);
    const active = this.#active.get(cameraId);
    if (!active || active.done) {
      throw new CaptureError('not_recording', `camera "${cameraId}" is not recording: start a recording first`);
    }
    active.stopping ??= this.#stop(camera, active);
    return active.stopping;
  }

  /** Stops every running recording (files finished), then unsubscribes. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#active.keys()].map((cameraId) => this.stop(cameraId)));
      for (const active of this.#active.values()) {
        clearTimeout(active.timer);
        clearInterval(active.quotaTimer);
      }
      for (const off of this.#unsubscribe.splice(0)) off();
    })();
    return this.#closing;
  }

  async #startCamerad(camera: CaptureCamera, path: string): Promise<void> {
    try {
      await camera.startRecording(path, { fragmentMs: this.#fragmentMs });
    } catch (error) {
      if (!(error instanceof CameradError && error.code === 'busy')) throw error;
      // Nothing of ours records on this camera: a recording left by an earlier server run
      // (camerad attached, not restarted). Finish it and start ours.
      const orphan = await camera.stopRecording().catch(() => undefined);
      if (orphan) this.#closeOrphan(orphan);
      await camera.startRecording(path, { fragmentMs: this.#fragmentMs });
    }
  }

  #mapStartError(error: unknown): unknown {
    if (error instanceof CameradError && error.code === 'busy') {
      return new CaptureError('busy', 'camerad is already recording this camera', 'cameraId');
    }
    if (error instanceof Error && /no space left/i.test(error.message)) {
      return new CaptureError('disk_full', `no space left on the device of the data directory: ${error.message}`);
    }
    return error;
  }

  async #stop(camera: CaptureCamera, active: ActiveRecording): Promise<MediaItem> {
    clearTimeout(active.timer);
    try {
      const result = await camera.stopRecording();
      if (active.done) return this.#store.get(active.id)!;
      return this.#finish(active, {
        status: 'complete',
        ...(active.stopReason === undefined ? {} : { error: active.stopReason }),
        ...this.#resultPatch(active, result),
      });
    } catch (error) {
      if (active.done) return this.#store.get(active.id)!;
      if (error instanceof InvalidStateError || (error instanceof CameradError && error.code === 'not_recording')) {
        return this.#interrupt(active, `camerad had stopped recording: ${error.message}`);
      }
      // The recording goes on: a later stop may try again, and the timer retries in 10 s.
      active.stopping = undefined;
      active.timer = setTimeout(() => this.#autoStop(active), 10_000).unref();
      throw error;
    }
  }

  /** frames, bytes and times of a finished recording from camerad's numbers. */
  #resultPatch(active: ActiveRecording, result: RecordingResult | RecordingEvent): MediaPatch {
    const startedAt = result.started_us ? Math.floor(result.started_us / 1000) : undefined;
    const duration = 'duration_ms' in result ? result.duration_ms : undefined;
    const stoppedAt =
      startedAt !== undefined && duration !== undefined
        ? startedAt + duration
        : result.stopped_us
          ? Math.floor(result.stopped_us / 1000)
          : Date.now();
    return {
      ...(startedAt === undefined ? {} : { startedAt }),
      stoppedAt,
      frames: result.frames,
      bytes: this.#store.fileSize({ file: this.#fileOf(active) }) ?? result.bytes,
    };
  }

  #fileOf(active: ActiveRecording): string {
    return `${active.cameraId}/${basename(active.path)}`;
  }

  #onEvent(cameraId: string, event: RecordingEvent): void {
    const active = this.#active.get(cameraId);
    if (!active || active.done || event.path !== active.path) return;
    switch (event.state) {
      case 'recording':
        if (event.started_us) this.#safeUpdate(active.id, { startedAt: Math.floor(event.started_us / 1000) });
        return;
      case 'stopped':
        // Our own stop finishes the item from camerad's response.
        if (!active.stopping) this.#finish(active, { status: 'complete', ...this.#resultPatch(active, event) });
        return;
      case 'failed': {
        const error = event.error ?? 'the recording failed';
        this.#logger.error({ camera: cameraId, id: active.id, error }, 'recording failed');
        this.#finish(active, { status: 'failed', error, ...this.#resultPatch(active, event) });
        return;
      }
    }
  }

  #onState(cameraId: string, state: CameradState): void {
    if (state === 'running') return;
    const active = this.#active.get(cameraId);
    if (active && !active.done) this.#interrupt(active, `camerad stopped during the recording (${state})`);
  }

  #onHello(cameraId: string, hello: HelloData): void {
    const active = this.#active.get(cameraId);
    if (!active || active.done || active.pid === undefined || hello.pid === active.pid) return;
    this.#interrupt(active, 'camerad restarted during the recording');
  }

  #interrupt(active: ActiveRecording, reason: string): MediaItem {
    const file = { file: this.#fileOf(active) };
    const bytes = this.#store.fileSize(file);
    this.#logger.warn({ camera: active.cameraId, id: active.id, bytes }, `recording interrupted: ${reason}`);
    return this.#finish(
      active,
      bytes === undefined
        ? { status: 'failed', error: `${reason}; no file was written`, bytes: 0, stoppedAt: Date.now() }
        : { status: 'interrupted', error: reason, bytes, stoppedAt: this.#store.fileModifiedAt(file) ?? Date.now() },
    );
  }

  /** Gives the item its final state, once; frees the camera for the next recording. */
  #finish(active: ActiveRecording, patch: MediaPatch): MediaItem {
    if (active.done) return this.#store.get(active.id)!;
    active.done = true;
    clearTimeout(active.timer);
    clearInterval(active.quotaTimer);
    if (this.#active.get(active.cameraId) === active) this.#active.delete(active.cameraId);
    const item = this.#safeUpdate(active.id, patch);
    if (patch.status === 'complete' || patch.status === 'interrupted' || patch.status === 'failed') {
      this.#ended[patch.status] += 1;
    }
    this.#endedBytes += patch.bytes ?? 0;
    if (patch.status === 'complete') {
      this.#logger.info({ camera: active.cameraId, id: active.id, frames: patch.frames }, 'recording finished');
    }
    if (item) this.#onItem(item);
    return item ?? this.#store.get(active.id)!;
  }

  #safeUpdate(id: string, patch: MediaPatch): MediaItem | undefined {
    try {
      return this.#store.update(id, patch);
    } catch (error) {
      this.#logger.error({ err: error, id, patch }, 'cannot update a recording in the database');
      return undefined;
    }
  }

  /** Stops the recording when its wallet would pass its byte quota before the next check. */
  #checkQuota(active: ActiveRecording): void {
    if (active.done || active.stopping || !this.#quota) return;
    try {
      const left = this.#quota.bytesLeft(active.wallet);
      const written = this.#store.fileSize({ file: this.#fileOf(active) }) ?? 0;
      const bytesPerMs = written / Math.max(1, Date.now() - active.startedAt);
      if (left > bytesPerMs * (QUOTA_CHECK_MS + 2 * this.#fragmentMs)) return;
      const quota = this.#quota.walletBytes;
      active.stopReason = `stopped at the wallet's storage quota (${quota} bytes, outputs.quotas)`;
      this.#logger.info(
        { camera: active.cameraId, id: active.id, left, quota },
        'recording stopped at its wallet quota',
      );
      clearInterval(active.quotaTimer);
      this.stop(active.cameraId).catch((error: unknown) =>
        this.#logger.error({ err: error, id: active.id }, 'cannot stop a recording at its wallet quota'),
      );
    } catch (error) {
      this.#logger.error({ err: error, id: active.id }, 'cannot check a recording against its wallet quota');
    }
  }

  #autoStop(active: ActiveRecording): void {
    if (active.done) return;
    this.#logger.info(
      { camera: active.cameraId, id: active.id, maxDurationMs: this.#maxDurationMs },
      'recording reached its maximum duration',
    );
    this.stop(active.cameraId).catch((error: unknown) =>
      this.#logger.error({ err: error, id: active.id }, 'cannot stop a recording at its maximum duration'),
    );
  }

  /** A recording found running in camerad and stopped: completes its row if it is one of ours. */
  #closeOrphan(result: RecordingResult): void {
    const id = basename(result.path).replace(/\.mp4$/, '');
    const item = this.#store.get(id);
    this.#logger.warn({ path: result.path, known: item !== undefined }, 'stopped a recording left by an earlier run');
    if (!item || this.#store.pathOf(item) !== result.path) return;
    const startedAt = result.started_us ? Math.floor(result.started_us / 1000) : undefined;
    this.#safeUpdate(item.id, {
      ...(startedAt === undefined ? {} : { startedAt, stoppedAt: startedAt + result.duration_ms }),
      frames: result.frames,
      bytes: this.#store.fileSize(item) ?? result.bytes,
    });
  }
}
