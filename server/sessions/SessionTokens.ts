import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role, SessionClaims } from './SessionTypes.js';

const ISSUER = 'edge-camera-server';
const AUDIENCE = 'ecs-session';

/** Why a token was refused; the message is safe to return to the client. */
export class SessionTokenError extends Error {
  override name = 'SessionTokenError';
}

/**
 * Session tokens: JWTs (RFC 7519) signed with HS256 (RFC 7518 §3.2) under a 256-bit secret
 * that never leaves the box, made and checked with `jose`. Claims: `sub` = wallet, `sid` =
 * session id, `cam` = camera id, `role`, `iss`, `aud`, `iat`, `exp` (`tokenTtlS` after issue).
 * A valid token is necessary, not sufficient: the caller also checks the session is still open.
 */
export class SessionTokens {
  readonly #secret: Uint8Array;
  readonly #ttlS: number;
  readonly #now: () => number;

  /**
   * @param secret HMAC key, at least 32 bytes.
   * @param ttlS token lifetime, s.
   * @throws Error when the secret is shorter than 32 bytes.
   */
  constructor(secret: Uint8Array, ttlS: number, now: () => number = Date.now) {
    if (secret.length < 32) throw new Error('session token secret must be at least 32 bytes');
    this.#secret = secret;
    this.#ttlS = ttlS;
    this.#now = now;
  }

  /** Signs a token for the session. @returns the compact JWT and its expiry, ms since the epoch. */
  async issue(claims: SessionClaims): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + this.#ttlS;
    const token = await new SignJWT({ sid: claims.sid, cam: claims.cameraId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.wallet)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#secret);
    return { token, expiresAt: exp * 1000 };
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry.
   * @throws SessionTokenError ('session token expired', 'session token is not valid: …').
   */
  async verify(token: string): Promise<SessionClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.#now()),
      });
      const { sub, sid, cam, role } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof cam !== 'string' || !isRole(role)) {
        throw new SessionTokenError('session token is not valid: missing claims');
      }
      return { sid, wallet: sub, cameraId: cam, role };
    } catch (error) {
      if (error instanceof SessionTokenError) throw error;
      if (error instanceof errors.JWTExpired)
        throw new SessionTokenError('session token expired: refresh or sign in again');
      throw new SessionTokenError(`session token is not valid: ${(error as Error).message}`);
    }
  }
}

function isRole(value: unknown): value is Role {
  return value === 'user' || value === 'operator';
}
