import type { CheckinConsent } from '../chain/chainTypes.js';

/** Who may do what: the operator (the wallet in `auth.operatorWallet`) or a user (own data only). */
export type Role = 'user' | 'operator';

/** Why a session ended (`revoked`: a spent refresh token of it was presented again). */
export type EndReason = 'checkout' | 'idle' | 'absolute' | 'ended' | 'replaced' | 'revoked';

/** Consent given at check-in; both default to false. */
export type Consent = CheckinConsent;

/** A session as the HTTP API returns it (times as ISO 8601 strings). */
export interface SessionView {
  id: string;
  cameraId: string;
  wallet: string;
  role: Role;
  source: 'signin' | 'chain';
  createdAt: string;
  lastSeenAt: string;
  /** Absolute expiry. */
  expiresAt: string;
  /** When the session ends if unused. */
  idleExpiresAt: string;
  checkedIn: boolean;
  checkedInAt: string | null;
  checkinSignature: string | null;
  consent: Consent | null;
  endedAt: string | null;
  endReason: EndReason | null;
}

/** The claims of a session token (JWT, RFC 7519). */
export interface SessionClaims {
  /** Session id. */
  sid: string;
  /** Wallet address (the JWT `sub`). */
  wallet: string;
  cameraId: string;
  role: Role;
}
