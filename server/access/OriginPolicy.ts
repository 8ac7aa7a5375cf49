import { HttpError } from '../http/HttpError.js';
import { hostOf, isLoopbackHost } from './CallerResolver.js';

/** What {@link OriginPolicy} needs from the configuration. */
export interface OriginPolicyOptions {
  /** `server.allowedHosts` after its default (`server.publicUrl`'s host); entries may carry a port. */
  allowedHosts: readonly string[];
  /** `server.corsOrigins` plus `server.publicUrl`'s origin. */
  allowedOrigins: readonly string[];
}

/** Methods that change state: a foreign `Origin` on them is refused, not just denied CORS. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Which `Host` and `Origin` values the server accepts. The `Host` check stops DNS rebinding (a
 * page on evil.example resolving to the box sends `Host: evil.example`); the `Origin` check stops
 * a page on another origin from making the operator's browser change state here, which
 * withholding the CORS grant alone does not (a simple POST executes before the browser hides the
 * answer). Loopback names are always accepted as hosts.
 */
export class OriginPolicy {
  readonly #hosts: ReadonlySet<string>;
  readonly #origins: ReadonlySet<string>;

  constructor(options: OriginPolicyOptions) {
    this.#hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
    this.#origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  }

  /** True when the `Host` header names this server. */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const full = hostHeader.trim().toLowerCase();
    const host = hostOf(full);
    return isLoopbackHost(host) || this.#hosts.has(full) || this.#hosts.has(host);
  }

  /**
   * True when `origin` may call: one of the configured origins, or the same origin as the
   * request (its host and port are the `Host` header, already checked by {@link hostAllowed}).
   */
  originAllowed(origin: string, hostHeader: string | undefined): boolean {
    const o = origin.trim().toLowerCase();
    if (this.#origins.has(o)) return true;
    const match = /^https?:\/\/([^/]+)$/.exec(o);
    return match !== null && hostHeader !== undefined && match[1] === hostHeader.trim().toLowerCase();
  }

  /** The origin to grant CORS to (the request's, when allowed and not same-origin), or undefined. */
  corsGrant(origin: string | undefined): string | undefined {
    return origin !== undefined && this.#origins.has(origin.toLowerCase()) ? origin : undefined;
  }

  /**
   * Checks a request's `Host` and `Origin`.
   * @param method the HTTP method (`GET` for WebSocket upgrades, which `all` marks as checked
   *   like a state change, since WebSockets are not covered by CORS).
   * @throws HttpError 403 for a host not allowed, or a foreign origin on a state-changing request.
   */
  check(hostHeader: string | undefined, origin: string | undefined, method: string, all = false): void {
    if (!this.hostAllowed(hostHeader)) {
      throw new HttpError(403, `host "${String(hostHeader ?? '')}" is not served here (server.allowedHosts)`, 'host');
    }
    if (origin === undefined || (!all && !STATE_CHANGING.has(method.toUpperCase()))) return;
    if (!this.originAllowed(origin, hostHeader)) {
      throw new HttpError(403, `origin "${origin}" is not allowed (server.corsOrigins)`, 'origin');
    }
  }
}
