import { statfs } from 'node:fs/promises';
import type { Camera } from '../../media/camera/Camera.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import type { HealthConfig } from './healthConfig.js';

/** One check of {@link HealthReport}: whether it passes, and why not. */
export interface HealthCheck {
  ok: boolean;
  /** Why it fails (or what it saw), for people; null when there is nothing to say. */
  detail: string | null;
}

/** One camera's part of the report. */
export interface CameraHealth extends HealthCheck {
  id: string;
  /** camerad's state (`running`, `restarting`, …). */
  state: string;
  /** The source's state (`live`, `lost`, `starting`), null before camerad's hello. */
  source_state: string | null;
  /** dir:// cameras: age of the image camerad shows, s (its metadata capture time, else file time; null before one). */
  image_age_s?: number | null;
}

/** What `GET /api/health` answers (viewers see all of it; others `status` and `failing` only). */
export interface HealthReport {
  status: 'ok' | 'failing';
  version: string;
  uptime_s: number;
  /** The names of the failing checks (`camera:<id>`, `vision`, `database`, `disk`). */
  failing: string[];
  cameras: CameraHealth[];
  vision: HealthCheck & { enabled: boolean };
  database: HealthCheck;
  disk: HealthCheck & { path: string; free_bytes: number | null; min_free_bytes: number };
}

/** What {@link HealthService} reads. */
export interface HealthServiceOptions {
  cameras: ReadonlyMap<string, Camera>;
  database: AppDatabase;
  /** `storage.dataDir`: the free space of its file system is checked. */
  dataDir: string;
  /** `vision.enabled`, and why vision is off when it was asked for but could not start. */
  vision: { enabled: boolean; running: boolean; disabledReason: string | undefined };
  config: HealthConfig;
  startedAt: number;
  version: string;
  /** Clock, ms since the Unix epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Seconds without a new RTP packet from a running camerad before the camera fails the check.
 * camerad sends every frame (≥ 1 fps, and NO SIGNAL frames while a source is lost), so 5 s of
 * silence means camerad itself is stuck.
 */
const VIDEO_SILENCE_S = 5;

/**
 * The truth about whether this box can serve, for `GET /api/health`: every camera's camerad and
 * source (a dir:// camera's shown image, as camerad reports it, no older than
 * `health.maxImageAgeS`), vision (when configured), the database (a write statement that changes
 * nothing), and free disk
 * space under the data folder (`health.minFreeBytes`). Each call checks anew; nothing is cached.
 */
export class HealthService {
  readonly #opts: HealthServiceOptions;
  readonly #now: () => number;
  /** Per camera: RTP packets received at the last check, and when that count last changed (ms). */
  readonly #lastVideo = new Map<string, { packets: number; changedAt: number }>();

  constructor(opts: HealthServiceOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** Runs every check. Never throws: a check that cannot run fails with the reason. */
  async check(): Promise<HealthReport> {
    const cameras = [...this.#opts.cameras.values()].map((camera) => this.#camera(camera));
    const vision = this.#vision();
    const database = this.#database();
    const disk = await this.#disk();
    const failing = [
      ...cameras.filter((c) => !c.ok).map((c) => `camera:${c.id}`),
      ...(vision.ok ? [] : ['vision']),
      ...(database.ok ? [] : ['database']),
      ...(disk.ok ? [] : ['disk']),
    ];
    return {
      status: failing.length === 0 ? 'ok' : 'failing',
      version: this.#opts.version,
      uptime_s: Math.round((this.#now() - this.#opts.startedAt) / 1000),
      failing,
      cameras,
      vision,
      database,
      disk,
    };
  }

  #camera(camera: Camera): CameraHealth {
    const s = camera.status();
    const reasons: string[] = [];
    const silentS = this.#videoSilenceS(camera);
    if (s.state !== 'running') reasons.push(`camerad is ${s.state}${s.last_error ? `: ${s.last_error}` : ''}`);
    else if (silentS > VIDEO_SILENCE_S) reasons.push(`no video from camerad for ${Math.round(silentS)} s`);
    else if (s.source_state !== 'live') {
      reasons.push(
        `source ${s.source_state ?? 'not reported yet'}${s.source_lost_reason ? `: ${s.source_lost_reason}` : ''}`,
      );
    }
    const base = { id: s.id, state: s.state, source_state: s.source_state };
    // dir:// cameras (host capture): the age of the image shown, from camerad (its metadata's
    // capture time, else its file time): camerad already reads the folder, this does not again.
    if (!s.source.startsWith('dir://')) {
      return { ...base, ok: reasons.length === 0, detail: reasons.join('; ') || null };
    }
    const shownMs = s.host_capture?.image_age_ms ?? null;
    const age = shownMs === null ? null : shownMs / 1000;
    if (age === null) reasons.push('no image shown yet');
    else if (age > this.#opts.config.maxImageAgeS) {
      reasons.push(`newest image is ${Math.round(age)} s old (more than ${this.#opts.config.maxImageAgeS} s)`);
    }
    return {
      ...base,
      image_age_s: age === null ? null : round1(age),
      ok: reasons.length === 0,
      detail: reasons.join('; ') || null,
    };
  }

  /**
   * Seconds since the camera's RTP packet count last changed, as seen by successive checks (0 at
   * the first check). A camerad that hangs (stopped, deadlocked) still looks `running` to its
   * supervisor; its silence shows here.
   */
  #videoSilenceS(camera: Camera): number {
    const now = this.#now();
    const packets = camera.ingestStats.packets;
    const last = this.#lastVideo.get(camera.id);
    if (!last || last.packets !== packets) {
      this.#lastVideo.set(camera.id, { packets, changedAt: now });
      return 0;
    }
    return (now - last.changedAt) / 1000;
  }

  #vision(): HealthReport['vision'] {
    const { enabled, running, disabledReason } = this.#opts.vision;
    if (!enabled) return { enabled, ok: true, detail: 'off (vision.enabled is false)' };
    return running
      ? { enabled, ok: true, detail: null }
      : { enabled, ok: false, detail: disabledReason ?? 'vision did not start' };
  }

  /**
   * A write statement that changes nothing (`DELETE … WHERE 0` still takes the write lock), so a
   * read-only database (file, file system or handle) fails here with SQLite's own message.
   */
  #database(): HealthCheck {
    try {
      this.#opts.database.db.prepare('DELETE FROM sessions WHERE 0').run();
      return { ok: true, detail: null };
    } catch (error) {
      return { ok: false, detail: `not writable: ${(error as Error).message}` };
    }
  }

  async #disk(): Promise<HealthReport['disk']> {
    const path = this.#opts.dataDir;
    const min = this.#opts.config.minFreeBytes;
    try {
      const fs = await statfs(path);
      const free = fs.bavail * fs.bsize;
      const ok = free >= min;
      return {
        path,
        free_bytes: free,
        min_free_bytes: min,
        ok,
        detail: ok ? null : `${mib(free)} MiB free under ${path}, less than ${mib(min)} MiB`,
      };
    } catch (error) {
      return { path, free_bytes: null, min_free_bytes: min, ok: false, detail: (error as Error).message };
    }
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const mib = (bytes: number): number => Math.round(bytes / (1024 * 1024));
