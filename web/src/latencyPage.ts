import './latency.css';
import { ApiClient } from './api';
import type { LatencyProbe } from './LatencyProbe';
import { PickingPlayer } from './player/PickingPlayer';
import { pageSwitches } from './player/playerSwitches';
import { WhepPlayer } from './WhepPlayer';

/**
 * Latency page (`latency.html`): one full-size `<video>` playing one WHEP stream, measured by the
 * probe strip in each frame (docs/latency-probe.md). Used by `npm run bench:latency`, against the
 * real server and against the baseline relay (bench/baseline/bareRelay.ts).
 *
 * URL parameters:
 * - `whep`: WHEP endpoint (default: the first camera of `GET /api/status`, i.e. `/whep/<id>`);
 * - `token`: bearer token (added to the status and WHEP requests by `ApiClient`);
 * - `capacity`: samples kept by the probe (default 36000: 20 min at 30 fps);
 * - `force=websocket|mse|mjpeg`: play that path of the picker (web/src/player/PickingPlayer.ts)
 *   instead of bare WHEP, for camera `camera` (default: the first of `GET api/status`);
 *   `force=webrtc` and `relay=1` play the picker from WebRTC.
 */

/** Shape of `window.__latency`, the hook for benches and tests. */
export interface LatencyHandle {
  /** The probe measuring the video; null until the WHEP URL is known. */
  readonly probe: LatencyProbe | null;
  /** The WHEP player, or the picker with `?force=`; null until the camera is known. */
  readonly player: WhepPlayer | PickingPlayer | null;
  /** The player's current peer connection, null between attempts and on the WebSocket paths. */
  readonly pc: RTCPeerConnection | null;
  /**
   * `performance.now()` just before the first WHEP POST, or when the picker started, ms (null
   * before it). First-frame time = `probe.firstFrameAt − t0`; `probe.firstFrameAt` alone counts
   * from navigation start.
   */
  readonly t0: number | null;
  /** The path playing with `?force=` (`websocket`, `mse`, …); `webrtc` for bare WHEP. */
  readonly path: string | null;
  /** WHEP endpoint played, absolute URL; null until known. */
  readonly whepUrl: string | null;
  /** Why the page could not start playing; null when it did. */
  readonly error: string | null;
}

declare global {
  interface Window {
    /** Bench hook of latency.html, see `LatencyHandle`. */
    __latency: LatencyHandle;
  }
}

/** Default probe window of this page: 20 min at 30 fps, so a bench run keeps every sample. */
const DEFAULT_CAPACITY = 36_000;
/** Readout refresh interval, ms. */
const READOUT_INTERVAL_MS = 500;

const state = {
  probe: null as LatencyProbe | null,
  player: null as WhepPlayer | PickingPlayer | null,
  t0: null as number | null,
  whepUrl: null as string | null,
  error: null as string | null,
};

window.__latency = {
  get probe() {
    return state.probe;
  },
  get player() {
    return state.player;
  },
  get pc() {
    return state.player?.pc ?? null;
  },
  get t0() {
    return state.t0;
  },
  get path() {
    const p = state.player;
    return p instanceof PickingPlayer ? p.path : p ? 'webrtc' : null;
  },
  get whepUrl() {
    return state.whepUrl;
  },
  get error() {
    return state.error;
  },
};

function mustGet<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from latency.html`);
  return el as T;
}

/** The WHEP path to play: `?whep=`, else the first camera the server lists. */
async function whepPath(api: ApiClient, params: URLSearchParams): Promise<string> {
  const given = params.get('whep');
  if (given) return given;
  return `whep/${encodeURIComponent(await firstCamera(api))}`;
}

/** The first camera `GET api/status` lists. */
async function firstCamera(api: ApiClient): Promise<string> {
  const status = await api.status();
  const first = status.cameras[0];
  if (!first) throw new Error('the server lists no camera');
  return first.id;
}

function mustGetAll(): { video: HTMLVideoElement; canvas: HTMLCanvasElement; img: HTMLImageElement } {
  return {
    video: mustGet<HTMLVideoElement>('video'),
    canvas: mustGet<HTMLCanvasElement>('canvas'),
    img: mustGet<HTMLImageElement>('img'),
  };
}

function showReadout(readout: HTMLElement): void {
  const { probe, player } = state;
  if (state.error) {
    readout.textContent = `error: ${state.error}`;
    return;
  }
  if (!probe || !player) return;
  const p50 = probe.percentile(50);
  const p95 = probe.percentile(95);
  const lines = [
    `${player.state}${player.lastError ? ` (${player.lastError})` : ''}`,
    p50 === null || p95 === null ? 'no probe decoded' : `latency p50 ${p50.toFixed(0)} / p95 ${p95.toFixed(0)} ms`,
    `${probe.count} decoded · ${probe.decodeFailures} failed · ${probe.framesPresented} shown`,
  ];
  if (probe.firstFrameAt !== null && state.t0 !== null) {
    lines.push(`first frame ${(probe.firstFrameAt - state.t0).toFixed(0)} ms after POST`);
  }
  readout.textContent = lines.join('\n');
}

async function main(): Promise<void> {
  const video = mustGet<HTMLVideoElement>('video');
  const readout = mustGet<HTMLElement>('readout');
  const params = new URL(window.location.href).searchParams;
  const api = new ApiClient();
  const capacity = Number(params.get('capacity') ?? DEFAULT_CAPACITY);
  window.setInterval(() => showReadout(readout), READOUT_INTERVAL_MS);
  const probeOptions = {
    capacity: Number.isFinite(capacity) && capacity > 0 ? capacity : DEFAULT_CAPACITY,
    idleAfter: Number.POSITIVE_INFINITY,
  };

  const switches = pageSwitches();
  if (switches.force !== null || switches.relay) {
    let camera: string;
    try {
      camera = params.get('camera') ?? (await firstCamera(api));
    } catch (err) {
      state.error = `cannot find a camera: ${err instanceof Error ? err.message : String(err)}`;
      console.error(state.error);
      showReadout(readout);
      return;
    }
    const picker = new PickingPlayer(camera, mustGetAll(), api, { ...switches, latency: probeOptions });
    state.player = picker;
    state.probe = picker.latency;
    state.whepUrl = api.resolve(`whep/${encodeURIComponent(camera)}`);
    window.addEventListener('pagehide', () => picker.stop(true));
    picker.start();
    state.t0 = picker.chainStartedAt;
    return;
  }

  let path: string;
  try {
    path = await whepPath(api, params);
  } catch (err) {
    state.error = `cannot find a camera: ${err instanceof Error ? err.message : String(err)}`;
    console.error(state.error);
    showReadout(readout);
    return;
  }
  state.whepUrl = api.resolve(path);
  // Decode every frame (no idle stride): this page exists to measure.
  const player = new WhepPlayer(path, path, video, api, probeOptions);
  player.onpost = (at) => {
    state.t0 ??= at;
  };
  state.player = player;
  state.probe = player.latency;
  window.addEventListener('pagehide', () => player.stop(true));
  player.start();
}

void main();
