import { HttpError } from './HttpError';

import type { CameraStatus } from '../../media/camera/CameraTypes';

export type { CameraStatus };

/** Lifecycle state of a camera pipeline on the server. */
export type CameraState = CameraStatus['state'];

/** Whether the camera's upstream source is delivering frames. */
export type SourceState = NonNullable<CameraStatus['source_state']>;

/** Body of `GET /api/status`. */
export interface ServerStatus {
  /** Server process uptime in seconds. */
  uptime_s: number;
  cameras: CameraStatus[];
}

/**
 * Same-origin HTTP client for the media server. Adds
 * `Authorization: Bearer <token>` to every request when the page was opened
 * with `?token=...`.
 */
export class ApiClient {
  /** Bearer token from the page URL, or null when none was given. */
  readonly token: string | null;
  /** Base URL all relative paths are resolved against (the page URL). */
  readonly base: string;

  constructor(pageUrl: string = window.location.href) {
    const url = new URL(pageUrl);
    this.token = url.searchParams.get('token');
    this.base = url.href;
  }

  /** Resolves a server path (e.g. "/whep/cam0") to an absolute URL. */
  resolve(path: string): string {
    return new URL(path, this.base).href;
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

  /** `GET /api/status`; throws HttpError on non-2xx. */
  async status(): Promise<ServerStatus> {
    const res = await this.fetch('/api/status', {
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
