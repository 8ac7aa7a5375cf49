import type { ApiClient, CameraStatus } from './api';
import { StatsPanel } from './StatsPanel';
import { createSurface } from './player/createSurface';
import { PickingPlayer, type PickingPlayerOptions } from './player/PickingPlayer';
import type { PlayerPath, PlayerState } from './player/PlayerTypes';

/** Badge text of each path. */
const PATH_LABEL: Record<PlayerPath, string> = {
  janus: 'Janus',
  webrtc: 'WebRTC',
  websocket: 'WebSocket',
  mse: 'WebSocket (MSE)',
  mjpeg: 'MJPEG',
};

/** A latency reading older than this no longer shows (the probe was switched off), ms. */
const LATENCY_STALE_MS = 2000;

/** Server-side fields listed under the video: [data-field, label]. */
const SERVER_FIELDS = [
  ['state', 'camera'],
  ['source_state', 'source'],
  ['encoder', 'encoder'],
  ['output', 'output'],
  ['viewers', 'viewers'],
  ['keyframe_requests', 'keyframes req.'],
  ['source', 'uri'],
] as const;

type ServerField = (typeof SERVER_FIELDS)[number][0];

/**
 * One camera's tile: title, state badge, video, live stats and the server's
 * view of the camera. Owns the camera's `PickingPlayer`.
 *
 * DOM contract (used by tests): `<video id="video-<id>" data-camera="<id>"
 * class="player">` (WebRTC, MSE), `canvas#canvas-<id>` (WebCodecs), `img#img-<id>` (MJPEG),
 * `[data-role=path]` badge (the path playing, also `data-path` on the tile),
 * `[data-role=state]` badge, `[data-role=stats]` panel,
 * `[data-role=server]` info list, `[data-role=warning]` "source lost" note.
 */
export class CameraTile {
  readonly root: HTMLElement;
  readonly player: PickingPlayer;
  private readonly badge: HTMLElement;
  private readonly pathBadge: HTMLElement;
  private readonly warning: HTMLElement;
  private readonly error: HTMLElement;
  private readonly stats: StatsPanel;
  private readonly title: HTMLElement;
  private readonly fields = new Map<ServerField, HTMLElement>();

  /**
   * @param camera camera as first seen in `/api/status`.
   * @param api client used for the WHEP requests.
   * @param onUnauthorised called when WHEP refuses the token.
   * @param options forced path, relay, WebRTC timeout (`PickingPlayerOptions`).
   */
  constructor(camera: CameraStatus, api: ApiClient, onUnauthorised: () => void, options: PickingPlayerOptions = {}) {
    const root = el('article', 'tile');
    root.id = `tile-${camera.id}`;
    root.dataset.cameraTile = camera.id;

    const header = el('header', 'tile-header');
    this.title = el('h2', 'tile-name');
    const id = el('span', 'tile-id');
    id.textContent = camera.id;
    this.badge = el('span', 'badge');
    this.badge.dataset.role = 'state';
    this.pathBadge = el('span', 'badge path');
    this.pathBadge.dataset.role = 'path';
    this.pathBadge.hidden = true;
    header.append(this.title, id, this.pathBadge, this.badge);

    const frame = el('div', 'video-frame');
    const surface = createSurface(camera.id);
    this.warning = el('div', 'warning');
    this.warning.dataset.role = 'warning';
    this.warning.textContent = 'source lost';
    this.warning.hidden = true;
    frame.append(surface.video, surface.canvas, surface.img, this.warning);

    this.stats = new StatsPanel(el('div', 'stats'));
    this.error = el('div', 'tile-error');
    this.error.dataset.role = 'error';

    const server = el('dl', 'server');
    server.dataset.role = 'server';
    for (const [field, label] of SERVER_FIELDS) {
      const dt = el('dt', '');
      dt.textContent = label;
      const dd = el('dd', '');
      dd.dataset.field = field;
      server.append(dt, dd);
      this.fields.set(field, dd);
    }

    root.append(header, frame, this.stats.root, this.error, server);
    this.root = root;

    this.player = new PickingPlayer(camera.id, surface, api, options);
    this.player.onpathchange = (path) => this.showPath(path);
    this.player.onstats = (s) => {
      this.stats.update(s);
      this.showLatency();
    };
    this.player.onstatechange = (state, reason) => this.showState(state, reason);
    this.player.onunauthorised = onUnauthorised;
    this.showState(this.player.state, null);
    this.update(camera);
  }

  /** Refreshes the server-side info from a newer `/api/status` entry. */
  update(c: CameraStatus): void {
    this.title.textContent = c.name || c.id;
    this.root.dataset.serverState = c.state;
    this.root.dataset.sourceState = c.source_state ?? '';
    this.warning.hidden = c.source_state !== 'lost';
    // camerad's reason (e.g. no fresh image in a host-capture folder), when the server gives one.
    this.warning.textContent = c.source_lost_reason ? `source lost: ${c.source_lost_reason}` : 'source lost';
    this.root.classList.toggle('source-lost', c.source_state === 'lost');
    const output = [
      c.width && c.height ? `${c.width}x${c.height}` : null,
      c.fps === null ? null : `${c.fps.toFixed(1)} fps`,
      c.bitrate_kbps === null ? null : `${Math.round(c.bitrate_kbps)} kbit/s`,
    ].filter((x) => x !== null);
    this.setField('state', c.state);
    this.setField('source_state', c.source_state ?? '–');
    this.setField('encoder', c.encoder ?? '–');
    this.setField('output', output.length ? output.join(' · ') : '–');
    this.setField('viewers', String(c.viewers));
    this.setField('keyframe_requests', String(c.keyframe_requests));
    this.setField('source', c.source);
    this.fields.get('source')?.setAttribute('title', c.source);
  }

  /** Marks whether the camera is still listed by the server (greys the tile out when not). */
  setListed(listed: boolean): void {
    this.root.classList.toggle('unlisted', !listed);
  }

  /** Latency row: p50/p95 over the probe's window while the frames carry a probe, hidden otherwise. */
  private showLatency(): void {
    const probe = this.player.latency;
    const fresh = probe.lastDecodedAt !== null && performance.now() - probe.lastDecodedAt < LATENCY_STALE_MS;
    this.stats.updateLatency(fresh ? probe.percentile(50) : null, fresh ? probe.percentile(95) : null);
  }

  private showPath(path: PlayerPath | null): void {
    this.pathBadge.hidden = path === null;
    this.pathBadge.textContent = path ? PATH_LABEL[path] : '';
    this.pathBadge.dataset.path = path ?? '';
    if (path) this.root.dataset.path = path;
    else delete this.root.dataset.path;
  }

  private showState(state: PlayerState, reason: string | null): void {
    this.badge.textContent = state;
    this.badge.dataset.state = state;
    this.root.dataset.state = state;
    if (state === 'connected' || state === 'stopped') this.error.textContent = '';
    else if (reason) this.error.textContent = reason;
    if (state !== 'connected') this.stats.clear();
  }

  private setField(field: ServerField, text: string): void {
    const dd = this.fields.get(field);
    if (dd && dd.textContent !== text) dd.textContent = text;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  return e;
}
