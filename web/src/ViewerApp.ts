import type { ApiClient, ServerStatus } from './api';
import { CameraTile } from './CameraTile';
import { HttpError } from './HttpError';
import type { PickingPlayer } from './player/PickingPlayer';
import { type PlayerSwitches, pageSwitches } from './player/playerSwitches';

/** Interval of `/api/status` polling, in ms. */
const POLL_INTERVAL_MS = 2000;
/** Consecutive successful polls a camera may be missing before its player is stopped. */
const MISSING_POLLS_BEFORE_STOP = 3;
/** Banner text for a rejected or missing bearer token. */
export const UNAUTHORISED_TEXT = 'unauthorised: add ?token=... to the URL';

/** Shape of `window.__viewer`, the hook for automated tests. */
export interface ViewerHandle {
  /** One player per camera id; entries are never removed while the page lives. */
  readonly players: Map<string, PickingPlayer>;
  /** Last successful `/api/status` answer, null before the first. */
  readonly status: ServerStatus | null;
}

/**
 * The page: polls `/api/status` every 2 s, keeps one `CameraTile` per camera
 * (adding tiles for cameras that appear later), shows a banner for auth or
 * connectivity problems, and stops all players on `pagehide`.
 */
export class ViewerApp implements ViewerHandle {
  readonly players = new Map<string, PickingPlayer>();
  status: ServerStatus | null = null;
  private readonly tiles = new Map<string, CameraTile>();
  /** Consecutive successful polls each camera was missing from. */
  private readonly missing = new Map<string, number>();
  private pollTimer: number | undefined;
  private unauthorised = false;
  private hidden = false;

  /**
   * @param api HTTP client (carries the bearer token).
   * @param grid container the tiles go into.
   * @param banner element for page-wide messages.
   * @param summary element for the server uptime / camera count line.
   * @param switches test switches of the page URL (`?force=`, `?relay=1`).
   */
  constructor(
    private readonly api: ApiClient,
    private readonly grid: HTMLElement,
    private readonly banner: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly switches: PlayerSwitches = pageSwitches(),
  ) {}

  /** Starts polling and wires page lifecycle events. */
  start(): void {
    window.addEventListener('pagehide', () => {
      // The page may be frozen or discarded: release server viewers now, with
      // keepalive so the DELETEs survive the unload.
      this.hidden = true;
      window.clearTimeout(this.pollTimer);
      for (const p of this.players.values()) p.stop(true);
    });
    window.addEventListener('pageshow', (ev) => {
      if (!ev.persisted || !this.hidden) return; // first load, or not restored from bfcache
      this.hidden = false;
      for (const [id, p] of this.players) if ((this.missing.get(id) ?? 0) < MISSING_POLLS_BEFORE_STOP) p.start();
      void this.poll();
    });
    void this.poll();
  }

  /** One status poll; always schedules the next one unless the page is hidden. */
  private async poll(): Promise<void> {
    window.clearTimeout(this.pollTimer);
    try {
      const status = await this.api.status();
      this.status = status;
      this.apply(status);
      this.showBanner(this.unauthorised ? UNAUTHORISED_TEXT : null);
    } catch (err) {
      if (err instanceof HttpError && err.unauthorised) {
        this.unauthorised = true;
        this.showBanner(UNAUTHORISED_TEXT);
      } else {
        const why = err instanceof Error ? err.message : String(err);
        this.showBanner(`server unreachable, retrying… (${why})`, 'warn');
        this.summary.textContent = 'server offline';
      }
    } finally {
      if (!this.hidden) this.pollTimer = window.setTimeout(() => void this.poll(), POLL_INTERVAL_MS);
    }
  }

  private apply(status: ServerStatus): void {
    const seen = new Set<string>();
    for (const cam of status.cameras) {
      seen.add(cam.id);
      let tile = this.tiles.get(cam.id);
      if (!tile) {
        tile = new CameraTile(cam, this.api, () => this.onUnauthorised(), {
          ...this.switches,
          webrtcTimeoutMs: () => this.status?.player?.webrtcTimeoutMs,
          janus: () => this.status?.outputs?.janus?.public === true,
        });
        this.tiles.set(cam.id, tile);
        this.players.set(cam.id, tile.player);
        this.grid.append(tile.root);
        tile.player.start();
      } else {
        tile.update(cam);
        if ((this.missing.get(cam.id) ?? 0) >= MISSING_POLLS_BEFORE_STOP) tile.player.start(); // camera is back
      }
      this.missing.set(cam.id, 0);
      tile.setListed(true);
    }
    // A camera gone from the config: stop its player after a grace period (a
    // restarting server might briefly list fewer cameras), keep the tile greyed.
    for (const [id, tile] of this.tiles) {
      if (seen.has(id)) continue;
      const n = (this.missing.get(id) ?? 0) + 1;
      this.missing.set(id, n);
      if (n === MISSING_POLLS_BEFORE_STOP) {
        tile.player.stop();
        tile.setListed(false);
      }
    }
    const n = status.cameras.length;
    this.summary.textContent = `${n} camera${n === 1 ? '' : 's'} · server up ${formatDuration(status.uptime_s)}`;
    this.grid.dataset.empty = String(this.tiles.size === 0);
  }

  private onUnauthorised(): void {
    this.unauthorised = true;
    this.showBanner(UNAUTHORISED_TEXT);
  }

  private showBanner(text: string | null, kind: 'error' | 'warn' = 'error'): void {
    this.banner.hidden = text === null;
    this.banner.textContent = text ?? '';
    this.banner.dataset.kind = kind;
  }
}

/** "3 d 4 h", "5 h 2 m", "4 m 10 s", "12 s" from seconds. */
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} m`;
  if (m) return `${m} m ${s % 60} s`;
  return `${s} s`;
}
