import { HttpError } from './HttpError';

import type { CameraStatus } from '../../media/camera/CameraTypes';

export type { CameraStatus };

/** Lifecycle state of a camera pipeline on the server. */
export type CameraState = CameraStatus['state'];

/** Whether the camera's upstream source is delivering frames. */
export type SourceState = NonNullable<CameraStatus['source_state']>;

/** The viewer page's player settings (`player` of `GET /api/status`, server/player/playerConfig.ts). */
export interface PlayerSettings {
  /** ICE failure or no decoded frame within this after WebRTC starts: the WebSocket path is tried, ms. */
  webrtcTimeoutMs: number;
}

/** Body of `GET /api/status`. */
export interface ServerStatus {
  /** Server process uptime in seconds. */
  uptime_s: number;
  cameras: CameraStatus[];
  /** Player settings; absent from servers older than the WebSocket video path. */
  player?: PlayerSettings;
  /** Outputs with a state; `janus` only when the server forwards to Janus (docs/janus.md). */
  outputs?: { janus?: { state: string; public: boolean } };
}

/**
 * HTTP client for the media server. Adds `Authorization: Bearer <token>` to every request when a
 * token is known (the page's `?token=...`, or the one given).
 *
 * Every path is resolved relative to `base` (the page URL, or the server URL of an embedded
 * player), so the page works under a path prefix: `api/status` from `https://name/cam/` is
 * `https://name/cam/api/status`.
 */
export class ApiClient {
  /** Bearer token (viewer token), or null when none was given. */
  readonly token: string | null;
  /** Base URL all relative paths are resolved against (the page URL, or the server URL). */
  readonly base: string;

  /**
   * @param base page or server URL (a folder URL ends with `/`); default the page URL.
   * @param token viewer token; default the base URL's `?token=`.
   */
  constructor(base: string = window.location.href, token?: string | null) {
    const url = new URL(base);
    this.token = token === undefined ? url.searchParams.get('token') : token;
    this.base = url.href;
  }

  /**
   * Resolves a server path to an absolute URL. Relative paths (`whep/cam0`) resolve against the
   * base. An absolute path the server generated (`/whep/cam0/…` in a `Location` header) that lies
   * outside the base's folder is taken as relative to the server's root behind a prefix-stripping
   * proxy (`/whep/x` under `https://name/cam/` → `https://name/cam/whep/x`); one inside it (the
   * server knows its public prefix) is kept.
   */
  resolve(path: string): string {
    const base = new URL(this.base);
    const folder = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
    if (path.startsWith('/') && !path.startsWith('//') && folder !== '/' && !path.startsWith(folder)) {
      return new URL(path.slice(1), new URL(folder, base)).href;
    }
    return new URL(path, base).href;
  }

  /** Request headers with the bearer token merged in (if any). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, Authorization: `Bearer ${this.token}` } : { ...extra };
  }

  /**
   * `fetch` with auth and a timeout.
   * @param timeoutMs abort the request after this many milliseconds.
   * Rejects with a TypeError/AbortError on network failure; does NOT reject on
   * HTTP errors (callers check `res.ok`).
   */
  async fetch(path: string, init: RequestInit = {}, timeoutMs = 5000): Promise<Response> {
    const headers = this.headers((init.headers as Record<string, string> | undefined) ?? {});
    const signal = init.signal ?? AbortSignal.timeout(timeoutMs);
    return fetch(this.resolve(path), {
      cache: 'no-store',
      ...init,
      headers,
      signal,
    });
  }

  /** `GET api/status` (relative to the base); throws HttpError on non-2xx. */
  async status(): Promise<ServerStatus> {
    const res = await this.fetch('api/status', {
      headers: { Accept: 'application/json' },
    });
    if (!res.ok) throw await HttpError.fromResponse(res);
    const body = (await res.json()) as ServerStatus;
    if (!body || !Array.isArray(body.cameras)) throw new Error('malformed /api/status answer');
    return body;
  }
}

/** The viewer token the page was opened with (`?token=`), or null. */
export function pageViewerToken(pageUrl: string = window.location.href): string | null {
  return new URL(pageUrl).searchParams.get('token');
}

/**
 * `path` with the page's viewer token as `?token=`, for viewer-level requests that carry a
 * session token (or nothing) in `Authorization` (the server accepts both at once).
 */
export function withViewerToken(path: string, pageUrl: string = window.location.href): string {
  const token = pageViewerToken(pageUrl);
  if (!token) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}
