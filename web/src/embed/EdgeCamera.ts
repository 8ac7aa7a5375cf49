import { ApiClient } from '../api';
import { createSurface } from '../player/createSurface';
import { PickingPlayer } from '../player/PickingPlayer';
import type { PlayerPath, PlayerState } from '../player/PlayerTypes';
import { playerSwitches } from '../player/playerSwitches';

/** Shadow-DOM styles: the picture fills the element, path and state badges in a corner. */
const STYLE = `
:host { display: block; position: relative; background: #000; aspect-ratio: 16 / 9; overflow: hidden; }
.player { display: block; width: 100%; height: 100%; object-fit: contain; }
.player[hidden] { display: none; }
.badges { position: absolute; top: 0.4em; right: 0.4em; display: flex; gap: 0.3em;
  font: 12px system-ui, sans-serif; color: #fff; }
.badges span { padding: 0.1em 0.5em; border-radius: 3px; background: rgb(0 0 0 / 0.6); }
.badges span:empty { display: none; }
`;

/**
 * `<edge-camera server="https://box/cam/" camera="cam0" token="…" [force="websocket"] [relay]>`:
 * one camera of a media server, embeddable in a page of another origin
 * (`<script type="module" src="https://box/cam/edge-camera.js">`), played by the same picker as
 * the viewer page (WebRTC, then WebSocket with WebCodecs or MSE, then MJPEG).
 *
 * Attributes: `server` (the server's URL, default the folder `edge-camera.js` was loaded from),
 * `camera` (id, required), `token` (viewer token), `force` (`webrtc|websocket|mse|mjpeg`: start
 * there, no fallback above it), `relay` (WebRTC relay candidates only). Changing one restarts the
 * player. The server must list this page's origin in `server.corsOrigins`.
 *
 * Test hooks: `player` (the `PickingPlayer`: `state`, `path`, `framesDecoded`, `firstFrameMs`,
 * `reconnects`, `latency`), the same as `path`, `state`, `framesDecoded` getters,
 * `data-path` / `data-state` attributes on the element, and `pathchange` / `statechange` events
 * (`detail`: the new value).
 */
export class EdgeCamera extends HTMLElement {
  static readonly observedAttributes = ['server', 'camera', 'token', 'force', 'relay'];

  /** The player; null while the element is not in a document or lacks `camera`. */
  player: PickingPlayer | null = null;

  private readonly root: ShadowRoot;
  private readonly pathBadge: HTMLSpanElement;
  private readonly stateBadge: HTMLSpanElement;
  private frame: HTMLDivElement;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE;
    const badges = document.createElement('div');
    badges.className = 'badges';
    this.pathBadge = document.createElement('span');
    this.pathBadge.dataset.role = 'path';
    this.stateBadge = document.createElement('span');
    this.stateBadge.dataset.role = 'state';
    badges.append(this.pathBadge, this.stateBadge);
    this.frame = document.createElement('div');
    this.root.append(style, this.frame, badges);
  }

  /** The path playing or being tried, null when stopped. */
  get path(): PlayerPath | null {
    return this.player?.path ?? null;
  }

  /** The player's state (`stopped` without a player). */
  get state(): PlayerState {
    return this.player?.state ?? 'stopped';
  }

  /** Frames decoded by the current path's session. */
  get framesDecoded(): number {
    return this.player?.framesDecoded ?? 0;
  }

  connectedCallback(): void {
    this.restart();
  }

  disconnectedCallback(): void {
    this.player?.stop(true);
    this.player = null;
  }

  attributeChangedCallback(_name: string, old: string | null, value: string | null): void {
    if (old !== value && this.isConnected) this.restart();
  }

  private restart(): void {
    this.player?.stop();
    this.player = null;
    const camera = this.getAttribute('camera');
    if (!camera) {
      this.stateBadge.textContent = 'no camera attribute';
      return;
    }
    const server = serverBase(this.getAttribute('server'));
    const api = new ApiClient(server, this.getAttribute('token'));
    const surface = createSurface(camera);
    this.frame.replaceChildren(surface.video, surface.canvas, surface.img);
    this.frame.className = 'frame';
    this.frame.style.cssText = 'width:100%;height:100%';
    let webrtcTimeoutMs: number | undefined;
    let janus = false;
    const player = new PickingPlayer(camera, surface, api, {
      ...playerSwitches((n) => this.getAttribute(n)),
      webrtcTimeoutMs: () => webrtcTimeoutMs,
      janus: () => janus,
    });
    player.onpathchange = (path) => {
      this.pathBadge.textContent = path ?? '';
      if (path) this.dataset.path = path;
      else delete this.dataset.path;
      this.dispatchEvent(new CustomEvent('pathchange', { detail: path }));
    };
    player.onstatechange = (state) => {
      this.stateBadge.textContent = state;
      this.dataset.state = state;
      this.dispatchEvent(new CustomEvent('statechange', { detail: state }));
    };
    this.player = player;
    // The operator's WebRTC timeout, before the player starts (the default serves when unknown).
    api
      .status()
      .then(
        (status) => {
          webrtcTimeoutMs = status.player?.webrtcTimeoutMs;
          // The server forwards to Janus with a public URL (docs/janus.md): Janus first.
          janus = status.outputs?.janus?.public === true;
        },
        (err: unknown) =>
          console.warn(`[edge-camera ${camera}] status: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        if (this.player === player) player.start();
      });
  }
}

/**
 * The server's base URL, ending in `/`: the `server` attribute, or the folder this script was
 * loaded from (`https://box/cam/edge-camera.js` → `https://box/cam/`).
 */
function serverBase(attribute: string | null): string {
  const url = new URL(attribute || './', attribute ? document.baseURI : import.meta.url);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url.href;
}
