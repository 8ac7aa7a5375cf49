import { HttpError } from '../http/HttpError.js';
import type { AccessLevel, Caller, EntryPoint } from './accessTypes.js';

/** What {@link AccessPolicy} needs from the configuration. */
export interface AccessPolicyOptions {
  /** At least one viewer token is configured (`server.token` or `server.viewerTokens`). */
  viewerTokenSet: boolean;
  /** `server.allowUnauthenticated`: anyone may watch when no viewer token is set. */
  allowUnauthenticated: boolean;
  /** `auth.requireCheckin` after its default (on when a chain is configured). */
  requireCheckin: boolean;
}

/** How each level is asked for in a refusal, so the message says what would pass. */
const WANTS: Record<AccessLevel, string> = {
  open: 'nothing',
  viewer: 'a viewer token (Authorization: Bearer <token> or ?token=)',
  session: 'a wallet session (sign in first, then send Authorization: Bearer <session token>)',
  checkedIn: 'a wallet session (sign in first) checked in at this camera',
  owner: 'the owner’s wallet session (sign in first)',
  operator: 'the operator (the operator wallet’s session or the admin token)',
  metrics: 'the metrics token (Authorization: Bearer <server.metricsToken>)',
  rtspUser: 'an RTSP user of outputs.rtsp.users (RTSP Digest, on the RTSP port only)',
};

/**
 * Decides whether a caller satisfies an entry point's requirement (one of its `anyOf` levels).
 * Refusals are 401 when the caller presented no credential at all and 403 otherwise, with a
 * message naming what would pass.
 */
export class AccessPolicy {
  readonly #options: AccessPolicyOptions;

  constructor(options: AccessPolicyOptions) {
    this.#options = options;
  }

  /** True when the caller satisfies `level` (`camera`: the `:camera` route parameter, if any). */
  satisfies(caller: Caller, level: AccessLevel, camera?: string): boolean {
    const session = caller.session;
    const operator = caller.admin || (session !== null && session.claims.role === 'operator');
    switch (level) {
      case 'open':
        return true;
      case 'viewer':
        return (
          caller.viewer !== null ||
          operator ||
          (!this.#options.viewerTokenSet && (this.#options.allowUnauthenticated || caller.local))
        );
      case 'session':
        return session !== null;
      case 'checkedIn':
        return (
          session !== null &&
          (camera === undefined || camera === session.claims.cameraId) &&
          (!this.#options.requireCheckin || session.session.checkedIn)
        );
      case 'owner':
        return session !== null || caller.admin;
      case 'operator':
        return caller.admin || (operator && (camera === undefined || camera === session?.claims.cameraId));
      case 'metrics':
        return caller.metrics;
      case 'rtspUser':
        // Checked by rtspd on the RTSP port (Digest); no HTTP caller is an RTSP user.
        return false;
    }
  }

  /**
   * @throws HttpError 401 (no credential) or 403 (credentials that do not suffice) naming what
   *   the entry point needs.
   */
  check(caller: Caller, entry: EntryPoint, camera?: string): void {
    if (entry.anyOf.some((level) => this.satisfies(caller, level, camera))) return;
    const wants = entry.anyOf.map((level) => WANTS[level]).join(', or ');
    const anonymous = caller.session === null && caller.viewer === null && !caller.admin && !caller.metrics;
    if (anonymous) {
      throw new HttpError(401, `this needs ${wants}`, 'authorization', { 'WWW-Authenticate': 'Bearer' });
    }
    if (entry.anyOf.includes('checkedIn') && caller.session !== null && !caller.session.session.checkedIn) {
      throw new HttpError(
        403,
        'check in at this camera first (a check-in is a public, paid record on the chain)',
        'authorization',
      );
    }
    throw new HttpError(403, `this needs ${wants}`, 'authorization');
  }
}
