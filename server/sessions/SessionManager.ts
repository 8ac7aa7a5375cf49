import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppDatabase } from '../store/AppDatabase.js';
import type { Consent, EndReason, Role, SessionView } from './SessionTypes.js';

interface SessionRow {
  id: string;
  camera_id: string;
  wallet: string;
  role: Role;
  source: 'signin' | 'chain';
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: EndReason | null;
  checked_in_at: number | null;
  checkin_signature: string | null;
  show_name: number | null;
  keep_enrolment: number | null;
}

/** A session that just ended, as returned to callers that publish `session:expired` / purge. */
export interface EndedSession {
  session: SessionView;
  /** The consent of its check-in, if it was checked in. */
  consent: Consent | null;
}

/** Timeouts, s (from `auth` in the configuration). */
export interface SessionTimeouts {
  idleTimeoutS: number;
  absoluteTimeoutS: number;
  refreshTtlS: number;
  /** Ended sessions are deleted by {@link SessionManager.prune} this long after they ended. */
  endedSessionRetentionS: number;
}

/** A session and a new refresh token for it (base64url, 43 chars) with its expiry (ms epoch). */
export interface OpenedSession {
  session: SessionView;
  refreshToken: string;
  refreshExpiresAt: number;
}

/**
 * What {@link SessionManager.refresh} did: rotated the token, or refused it. `reused`: the token
 * had already been spent, so the session it belonged to was ended (`ended`; undefined when it
 * had ended before).
 */
export type RefreshResult =
  | ({ ok: true } & OpenedSession)
  | { ok: false; reason: 'unknown' | 'expired' | 'ended' }
  | { ok: false; reason: 'reused'; ended: EndedSession | undefined };

/** How often `last_seen_at` is written at most per session, ms (keeps reads from turning into writes). */
const TOUCH_MIN_INTERVAL_MS = 10_000;

/**
 * Spent refresh tokens remembered per session for reuse detection (the newest ones): a token
 * older than this many rotations is "unknown" rather than "reused". Bounds the table when a
 * client refreshes in a loop.
 */
const SPENT_REFRESH_KEPT = 16;

/**
 * Sessions per wallet per camera, in SQLite (`sessions`, `refresh_tokens`).
 *
 * At most one open session per (camera, wallet): a second sign-in confirms the open one (new
 * tokens, same id, check-in state kept), as does a check-in seen on chain, which opens one
 * (`source: 'chain'`) when the wallet has not signed in. A session ends by check-out, by request,
 * after `idleTimeoutS` without use, or `absoluteTimeoutS` after it opened, whichever comes first.
 * Refresh tokens are 256-bit random strings stored only as SHA-256 hashes and are single use
 * (rotated on every refresh, deleted when the session ends). A spent token is remembered (its
 * hash, marked `spent_at`; the newest 16 per session) so that presenting it again is detected as
 * reuse and ends the session: OAuth 2.0 Security BCP (RFC 9700 §4.14.2), refresh token rotation —
 * either the legitimate client or an attacker holds a copy, and the server cannot tell which.
 */
export class SessionManager {
  readonly #database: AppDatabase;
  readonly #timeouts: SessionTimeouts;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #timeoutListeners: ((ended: EndedSession) => void)[] = [];

  constructor(opts: { database: AppDatabase; timeouts: SessionTimeouts; now?: () => number; logger: Logger }) {
    this.#database = opts.database;
    this.#timeouts = opts.timeouts;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'sessions' });
  }

  /**
   * Runs `listener` synchronously for each session that ends by timeout (idle or absolute),
   * whether the sweep ({@link expire}) found it or a sign-in or check-in of the same wallet did;
   * inside the caller's transaction when there is one.
   */
  onTimedOut(listener: (ended: EndedSession) => void): void {
    this.#timeoutListeners.push(listener);
  }

  /**
   * Opens (or confirms) the session of `wallet` at `cameraId` after a verified sign-in and issues
   * a new refresh token for it.
   * @returns the session and the refresh token (base64url, 43 chars) with its expiry (ms epoch).
   */
  signIn(cameraId: string, wallet: string, role: Role): OpenedSession {
    const db = this.#database.db;
    return db.transaction(() => {
      const now = this.#now();
      let row = this.#openRow(cameraId, wallet, now);
      if (row) {
        db.prepare('UPDATE sessions SET last_seen_at = ?, role = ?, source = ? WHERE id = ?').run(
          now,
          role,
          'signin',
          row.id,
        );
      } else {
        row = this.#insert(cameraId, wallet, role, 'signin', now);
      }
      const { token, expiresAt } = this.#issueRefresh(row.id, now);
      this.#logger.info({ session: row.id, cameraId, wallet, role }, 'signed in');
      return { session: this.#view(this.#get(row.id)!), refreshToken: token, refreshExpiresAt: expiresAt };
    })();
  }

  /**
   * Exchanges a refresh token for a new one (the old one is spent, and remembered). Presenting a
   * spent token ends its session (reason `revoked`): reuse detection.
   * @returns the rotated session and token, or why the token was refused.
   */
  refresh(refreshToken: string): RefreshResult {
    const db = this.#database.db;
    const hash = sha256(refreshToken);
    return db.transaction((): RefreshResult => {
      const found = db
        .prepare('SELECT session_id, expires_at, spent_at FROM refresh_tokens WHERE hash = ?')
        .get(hash) as { session_id: string; expires_at: number; spent_at: number | null } | undefined;
      const now = this.#now();
      if (!found) return { ok: false, reason: 'unknown' };
      const row = this.#get(found.session_id);
      if (found.spent_at !== null) {
        const ended = row && row.ended_at === null ? this.#end(row, 'revoked') : undefined;
        this.#logger.warn(
          { session: found.session_id, wallet: row?.wallet, spentAt: new Date(found.spent_at).toISOString() },
          'spent refresh token presented again: session ended',
        );
        return { ok: false, reason: 'reused', ended };
      }
      if (found.expires_at <= now) return { ok: false, reason: 'expired' };
      if (!row || !this.#isOpen(row, now)) return { ok: false, reason: 'ended' };
      db.prepare('UPDATE refresh_tokens SET spent_at = ? WHERE hash = ?').run(now, hash);
      db.prepare(
        `DELETE FROM refresh_tokens WHERE hash IN (
           SELECT hash FROM refresh_tokens WHERE session_id = ? AND spent_at IS NOT NULL
           ORDER BY spent_at DESC, hash LIMIT -1 OFFSET ?)`,
      ).run(row.id, SPENT_REFRESH_KEPT);
      db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(now, row.id);
      const next = this.#issueRefresh(row.id, now);
      return {
        ok: true,
        session: this.#view(this.#get(row.id)!),
        refreshToken: next.token,
        refreshExpiresAt: next.expiresAt,
      };
    })();
  }

  /** The session with this id, open or not. */
  get(id: string): SessionView | undefined {
    const row = this.#get(id);
    return row ? this.#view(row) : undefined;
  }

  /** The open (not ended, not timed out) session with this id, or undefined. */
  getOpen(id: string): SessionView | undefined {
    const row = this.#get(id);
    return row && this.#isOpen(row, this.#now()) ? this.#view(row) : undefined;
  }

  /** The open session of `wallet` at `cameraId`, or undefined. */
  openFor(cameraId: string, wallet: string): SessionView | undefined {
    const row = this.#openRow(cameraId, wallet, this.#now());
    return row ? this.#view(row) : undefined;
  }

  /** Records use of a session (resets its idle timer); written at most every 10 s. */
  touch(id: string): void {
    const now = this.#now();
    this.#database.db
      .prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL AND last_seen_at < ?')
      .run(now, id, now - TOUCH_MIN_INTERVAL_MS);
  }

  /** Open sessions of a camera, oldest first; with `wallet`, only that wallet's. */
  listOpen(cameraId: string, wallet?: string): SessionView[] {
    const now = this.#now();
    const rows = (
      wallet === undefined
        ? this.#database.db
            .prepare('SELECT * FROM sessions WHERE camera_id = ? AND ended_at IS NULL ORDER BY created_at')
            .all(cameraId)
        : this.#database.db
            .prepare(
              'SELECT * FROM sessions WHERE camera_id = ? AND wallet = ? AND ended_at IS NULL ORDER BY created_at',
            )
            .all(cameraId, wallet)
    ) as SessionRow[];
    return rows.filter((r) => this.#isOpen(r, now)).map((r) => this.#view(r));
  }

  /**
   * Records a check-in found on chain: confirms the wallet's open session or opens one, and
   * stores the signature and consent. Synchronous, so that it can run inside the chain
   * watcher's transaction.
   */
  checkIn(event: {
    cameraId: string;
    wallet: string;
    signature: string;
    role: Role;
    consent: Consent | null;
  }): SessionView {
    const now = this.#now();
    const row =
      this.#openRow(event.cameraId, event.wallet, now) ??
      this.#insert(event.cameraId, event.wallet, event.role, 'chain', now);
    const consent = event.consent ?? { showName: false, keepEnrolment: false };
    this.#database.db
      .prepare(
        'UPDATE sessions SET checked_in_at = ?, checkin_signature = ?, show_name = ?, keep_enrolment = ?, last_seen_at = ? WHERE id = ?',
      )
      .run(now, event.signature, consent.showName ? 1 : 0, consent.keepEnrolment ? 1 : 0, now, row.id);
    this.#logger.info({ session: row.id, cameraId: event.cameraId, wallet: event.wallet }, 'checked in');
    return this.#view(this.#get(row.id)!);
  }

  /**
   * Ends the wallet's open session at the camera because of a check-out found on chain.
   * @returns the ended session, or undefined when none was open.
   */
  checkOut(cameraId: string, wallet: string): EndedSession | undefined {
    const row = this.#openRow(cameraId, wallet, this.#now());
    return row ? this.#end(row, 'checkout') : undefined;
  }

  /** Ends a session by request. @returns undefined when it was not open. */
  end(id: string, reason: EndReason = 'ended'): EndedSession | undefined {
    const row = this.#get(id);
    if (!row || row.ended_at !== null) return undefined;
    return this.#end(row, reason);
  }

  /**
   * Ends every session past its idle or absolute timeout.
   * @returns the sessions ended now (for `session:expired`).
   */
  expire(): EndedSession[] {
    const now = this.#now();
    const rows = this.#database.db
      .prepare('SELECT * FROM sessions WHERE ended_at IS NULL AND (expires_at <= ? OR last_seen_at <= ?)')
      .all(now, now - this.#timeouts.idleTimeoutS * 1000) as SessionRow[];
    return rows.map((row) => this.#end(row, row.expires_at <= now ? 'absolute' : 'idle'));
  }

  /**
   * Deletes sessions that ended more than `endedSessionRetentionS` ago (their refresh tokens go
   * with them) and refresh tokens past their expiry. Run by the session sweep.
   * @returns how many sessions and refresh tokens were deleted.
   */
  prune(): { sessions: number; refreshTokens: number } {
    const db = this.#database.db;
    const now = this.#now();
    return db.transaction(() => {
      const sessions = db
        .prepare('DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?')
        .run(now - this.#timeouts.endedSessionRetentionS * 1000).changes;
      const refreshTokens = db.prepare('DELETE FROM refresh_tokens WHERE expires_at <= ?').run(now).changes;
      if (sessions + refreshTokens > 0) this.#logger.debug({ sessions, refreshTokens }, 'ended sessions pruned');
      return { sessions, refreshTokens };
    })();
  }

  #end(row: SessionRow, reason: EndReason): EndedSession {
    const db = this.#database.db;
    const consent = row.checked_in_at === null ? null : consentOf(row);
    db.transaction(() => {
      db.prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ?').run(this.#now(), reason, row.id);
      db.prepare('DELETE FROM refresh_tokens WHERE session_id = ?').run(row.id);
    })();
    this.#logger.info({ session: row.id, cameraId: row.camera_id, wallet: row.wallet, reason }, 'session ended');
    const ended = { session: this.#view(this.#get(row.id)!), consent };
    if (reason === 'idle' || reason === 'absolute') for (const l of this.#timeoutListeners) l(ended);
    return ended;
  }

  #insert(cameraId: string, wallet: string, role: Role, source: 'signin' | 'chain', now: number): SessionRow {
    const id = randomUUID();
    this.#database.db
      .prepare(
        'INSERT INTO sessions (id, camera_id, wallet, role, source, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, cameraId, wallet, role, source, now, now, now + this.#timeouts.absoluteTimeoutS * 1000);
    return this.#get(id)!;
  }

  #issueRefresh(sessionId: string, now: number): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.#timeouts.refreshTtlS * 1000;
    this.#database.db
      .prepare('INSERT INTO refresh_tokens (hash, session_id, expires_at) VALUES (?, ?, ?)')
      .run(sha256(token), sessionId, expiresAt);
    return { token, expiresAt };
  }

  /** The open row of (camera, wallet); a timed-out one is ended first, so a new one may open. */
  #openRow(cameraId: string, wallet: string, now: number): SessionRow | undefined {
    const row = this.#database.db
      .prepare('SELECT * FROM sessions WHERE camera_id = ? AND wallet = ? AND ended_at IS NULL')
      .get(cameraId, wallet) as SessionRow | undefined;
    if (!row) return undefined;
    if (this.#isOpen(row, now)) return row;
    this.#end(row, row.expires_at <= now ? 'absolute' : 'idle');
    return undefined;
  }

  #get(id: string): SessionRow | undefined {
    return this.#database.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
  }

  #isOpen(row: SessionRow, now: number): boolean {
    return row.ended_at === null && row.expires_at > now && row.last_seen_at + this.#timeouts.idleTimeoutS * 1000 > now;
  }

  #view(row: SessionRow): SessionView {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: row.id,
      cameraId: row.camera_id,
      wallet: row.wallet,
      role: row.role,
      source: row.source,
      createdAt: iso(row.created_at)!,
      lastSeenAt: iso(row.last_seen_at)!,
      expiresAt: iso(row.expires_at)!,
      idleExpiresAt: iso(Math.min(row.expires_at, row.last_seen_at + this.#timeouts.idleTimeoutS * 1000))!,
      checkedIn: row.checked_in_at !== null && row.ended_at === null,
      checkedInAt: iso(row.checked_in_at),
      checkinSignature: row.checkin_signature,
      consent: row.checked_in_at === null ? null : consentOf(row),
      endedAt: iso(row.ended_at),
      endReason: row.end_reason,
    };
  }
}

function consentOf(row: SessionRow): Consent {
  return { showName: row.show_name === 1, keepEnrolment: row.keep_enrolment === 1 };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
