import type { Logger } from 'pino';
import type { ChainSessionEvent } from '../chain/ChainWatcher.js';
import type { SessionChainEvent, SessionExpiredEvent } from '../events/EventCatalogue.js';
import type { EndedSession, SessionManager } from './SessionManager.js';
import type { Role } from './SessionTypes.js';

/** The part of the biometric vault a session end needs (crypto-shredding of one wallet). */
export interface WalletPurger {
  purge(wallet: string, opts: { actor: string; reason: string }): { blobs: number; key: boolean; packages: number };
}

/** The part of the audit log a session change needs. */
export interface AuditAppender {
  append(entry: {
    actor: string;
    wallet: string | null;
    action: string;
    result: 'ok' | 'denied' | 'error';
    detail?: Record<string, unknown>;
  }): unknown;
}

/** Something the sweep bounds: deletes what has expired and returns how many rows went. */
export interface Prunable {
  /** Named in the log. */
  name: string;
  prune(): number;
}

/**
 * Where session events go: identity events to the wallet's own sockets and the operator's, and
 * the disconnection of a wallet's sockets once its session ended. Wiring hands the event hub
 * (server/events/EventHub.ts) in; tests hand a recorder.
 */
export interface SessionEventSink {
  emitIdentity(event: 'session:checkin' | 'session:checkout', payload: SessionChainEvent): void;
  emitIdentity(event: 'session:expired', payload: SessionExpiredEvent): void;
  /** Disconnects the sockets of a wallet at a camera. */
  disconnectWallet(cameraId: string, wallet: string): void;
}

/** The actor the audit log records for a purge at a session timeout. */
export const TIMEOUT_ACTOR = 'system:timeout';

/**
 * What happens when a session changes, in one place: a check-in found on chain opens or
 * confirms the wallet's session and is announced (`session:checkin`); a check-out ends it,
 * purges the wallet's biometric data unless its check-in consent said keep, and is announced
 * (`session:checkout`); a checked-in session that times out (idle or absolute) purges the same
 * way (actor `system:timeout`, audited as `session.timeout`); a session that times out or is
 * ended by request is announced (`session:expired`) and its sockets are disconnected.
 *
 * Also runs the sweep (every 15 s from wiring): ends timed-out sessions, deletes ended sessions
 * past their retention and expired refresh tokens, and prunes the other bounded stores given
 * as `prunables` (sign-in challenges, built transactions).
 */
export class SessionLifecycle {
  readonly #sessions: SessionManager;
  readonly #purger: WalletPurger;
  readonly #audit: AuditAppender;
  readonly #roleOf: (wallet: string, cameraId: string) => Role;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #prunables: readonly Prunable[];
  readonly #events: SessionEventSink;
  #timer: NodeJS.Timeout | undefined;
  readonly #checkinListeners: ((e: { cameraId: string; wallet: string; showName: boolean }) => void)[] = [];
  readonly #endListeners: ((e: { cameraId: string; wallet: string; purged: boolean }) => void)[] = [];

  constructor(opts: {
    sessions: SessionManager;
    purger: WalletPurger;
    /** Check-ins (with the consent given) and check-outs are audited with the biometric operations. */
    audit: AuditAppender;
    roleOf: (wallet: string, cameraId: string) => Role;
    /** Where `session:*` events go. */
    events: SessionEventSink;
    /** Pruned by each sweep after the sessions. */
    prunables?: readonly Prunable[];
    logger: Logger;
    now?: () => number;
  }) {
    this.#sessions = opts.sessions;
    this.#purger = opts.purger;
    this.#audit = opts.audit;
    this.#roleOf = opts.roleOf;
    this.#events = opts.events;
    this.#logger = opts.logger.child({ module: 'sessions' });
    this.#now = opts.now ?? Date.now;
    this.#prunables = opts.prunables ?? [];
    this.#sessions.onTimedOut((ended) => this.#timedOut(ended));
  }

  /**
   * Runs `listener` after a check-in has committed (the face gallery loads the user's
   * embeddings then). Called on the next turn of the event loop, never inside a transaction.
   */
  onCheckedIn(listener: (e: { cameraId: string; wallet: string; showName: boolean }) => void): void {
    this.#checkinListeners.push(listener);
  }

  /** Runs `listener` after a session ended for any reason (check-out, timeout, request). */
  onEnded(listener: (e: { cameraId: string; wallet: string; purged: boolean }) => void): void {
    this.#endListeners.push(listener);
  }

  /**
   * The chain watcher's handler. Runs inside the watcher's SQLite transaction, so the session
   * change and purge commit together with the watcher's position; events are sent after it
   * returns (on the next turn of the event loop), when the transaction has committed.
   */
  onChainEvent(event: ChainSessionEvent): void {
    const chainEvent = {
      cameraId: event.cameraId,
      wallet: event.wallet,
      signature: event.signature,
      slot: event.slot,
      blockTime: event.blockTime,
      at: this.#now(),
    };
    if (event.kind === 'checkin') {
      this.#sessions.checkIn({
        cameraId: event.cameraId,
        wallet: event.wallet,
        signature: event.signature,
        role: this.#roleOf(event.wallet, event.cameraId),
        consent: event.consent,
      });
      this.#audit.append({
        actor: `wallet:${event.wallet}`,
        wallet: event.wallet,
        action: 'session.checkin',
        result: 'ok',
        detail: { cameraId: event.cameraId, signature: event.signature, consent: event.consent },
      });
      const showName = event.consent?.showName ?? false;
      setImmediate(() => {
        this.#events.emitIdentity('session:checkin', chainEvent);
        for (const l of this.#checkinListeners) l({ cameraId: event.cameraId, wallet: event.wallet, showName });
      });
      return;
    }
    const ended = this.#sessions.checkOut(event.cameraId, event.wallet);
    const keep = ended?.consent?.keepEnrolment ?? false;
    this.#audit.append({
      actor: `wallet:${event.wallet}`,
      wallet: event.wallet,
      action: 'session.checkout',
      result: 'ok',
      detail: { cameraId: event.cameraId, signature: event.signature, keepEnrolment: keep },
    });
    this.#purgeUnlessKept(keep, event.cameraId, event.wallet, 'system:checkout', `checkout ${event.signature}`);
    setImmediate(() => {
      this.#events.emitIdentity('session:checkout', chainEvent);
      this.#events.disconnectWallet(event.cameraId, event.wallet);
      for (const l of this.#endListeners) l({ cameraId: event.cameraId, wallet: event.wallet, purged: !keep });
    });
  }

  /**
   * A session timed out (found by the sweep or by a later sign-in of the wallet): purges the
   * wallet's biometric data when the session was checked in without "keep", as a check-out
   * would, audits it, and announces the end on the next turn of the event loop. A session that
   * was never checked in purges nothing (no consent was given in it; data kept under an earlier
   * check-in's "keep" stays).
   */
  #timedOut(ended: EndedSession): void {
    const { session, consent } = ended;
    let purged = false;
    if (consent !== null) {
      const keep = consent.keepEnrolment;
      try {
        this.#audit.append({
          actor: TIMEOUT_ACTOR,
          wallet: session.wallet,
          action: 'session.timeout',
          result: 'ok',
          detail: { cameraId: session.cameraId, sessionId: session.id, reason: session.endReason, keepEnrolment: keep },
        });
        purged = this.#purgeUnlessKept(
          keep,
          session.cameraId,
          session.wallet,
          TIMEOUT_ACTOR,
          `session ${session.endReason} timeout ${session.id}`,
        );
      } catch (error) {
        this.#logger.error({ err: error, wallet: session.wallet }, 'purge at session timeout failed');
      }
    }
    setImmediate(() => this.announceEnded(ended, purged));
  }

  /**
   * Purges the wallet's biometric data as a session ends, unless its check-in consent said keep,
   * and logs it. @returns whether it purged.
   * @param actor the audit actor of the purge (`system:checkout`, `system:timeout`).
   * @throws what the purge throws (the caller decides whether a failure stops it).
   */
  #purgeUnlessKept(keep: boolean, cameraId: string, wallet: string, actor: string, reason: string): boolean {
    if (keep) return false;
    const result = this.#purger.purge(wallet, { actor, reason });
    this.#logger.info({ cameraId, wallet, actor, reason, ...result }, 'biometric data purged as the session ended');
    return true;
  }

  /**
   * A spent refresh token was presented again and `SessionManager.refresh` ended its session:
   * audits it (`session.refresh-reuse`, result denied, actor `system:refresh-reuse`) and
   * announces the end. Biometric data is not purged (the owner may be the innocent party).
   * @param ended the session ended now; undefined when it had already ended.
   */
  refreshReused(ended: EndedSession | undefined): void {
    this.#audit.append({
      actor: 'system:refresh-reuse',
      wallet: ended?.session.wallet ?? null,
      action: 'session.refresh-reuse',
      result: 'denied',
      detail: ended ? { cameraId: ended.session.cameraId, sessionId: ended.session.id } : {},
    });
    if (ended) this.announceEnded(ended);
  }

  /**
   * Announces a session ended by request or timeout and disconnects its sockets.
   * @param purged whether the wallet's biometric data was purged with it (for `onEnded`).
   */
  announceEnded(ended: EndedSession, purged = false): void {
    const { session } = ended;
    const reason = session.endReason === 'idle' || session.endReason === 'absolute' ? session.endReason : 'ended';
    this.#events.emitIdentity('session:expired', {
      cameraId: session.cameraId,
      wallet: session.wallet,
      sessionId: session.id,
      reason,
      at: this.#now(),
    });
    this.#events.disconnectWallet(session.cameraId, session.wallet);
    for (const l of this.#endListeners) l({ cameraId: session.cameraId, wallet: session.wallet, purged });
  }

  /**
   * Ends timed-out sessions now (purging and announcing as {@link #timedOut} says), then deletes
   * ended sessions past retention and expired refresh tokens, then prunes each prunable; one
   * that throws is logged and the rest still run. @returns how many sessions ended.
   */
  sweep(): number {
    const ended = this.#sessions.expire().length;
    const pruned: Record<string, number> = {};
    try {
      const { sessions, refreshTokens } = this.#sessions.prune();
      pruned.sessions = sessions;
      pruned.refreshTokens = refreshTokens;
    } catch (error) {
      this.#logger.error({ err: error }, 'pruning sessions failed');
    }
    for (const p of this.#prunables) {
      try {
        pruned[p.name] = p.prune();
      } catch (error) {
        this.#logger.error({ err: error, store: p.name }, 'pruning failed');
      }
    }
    if (Object.values(pruned).some((n) => n > 0)) this.#logger.debug({ ended, ...pruned }, 'sweep pruned');
    return ended;
  }

  /** Sweeps every `intervalMs` (timer unref'd). */
  start(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        this.#logger.error({ err: error }, 'session sweep failed');
      }
    }, intervalMs).unref();
  }

  /** Stops the sweep. Idempotent. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
