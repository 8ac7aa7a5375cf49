import type { Logger } from 'pino';
import type { ChainSessionEvent } from '../chain/ChainWatcher.js';
import type { EventHub } from '../events/EventHub.js';
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

/**
 * What happens when a session changes, in one place: a check-in found on chain opens or
 * confirms the wallet's session and is announced (`session:checkin`); a check-out ends it,
 * purges the wallet's biometric data unless its check-in consent said keep, and is announced
 * (`session:checkout`); a session that times out or is ended by request is announced
 * (`session:expired`) and its sockets are disconnected. Also runs the timeout sweep.
 */
export class SessionLifecycle {
  readonly #sessions: SessionManager;
  readonly #purger: WalletPurger;
  readonly #audit: AuditAppender;
  readonly #roleOf: (wallet: string) => Role;
  readonly #logger: Logger;
  readonly #now: () => number;
  #hub: EventHub | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #checkinListeners: ((e: { cameraId: string; wallet: string; showName: boolean }) => void)[] = [];
  readonly #endListeners: ((e: { cameraId: string; wallet: string; purged: boolean }) => void)[] = [];

  constructor(opts: {
    sessions: SessionManager;
    purger: WalletPurger;
    /** Check-ins (with the consent given) and check-outs are audited with the biometric operations. */
    audit: AuditAppender;
    roleOf: (wallet: string) => Role;
    logger: Logger;
    now?: () => number;
  }) {
    this.#sessions = opts.sessions;
    this.#purger = opts.purger;
    this.#audit = opts.audit;
    this.#roleOf = opts.roleOf;
    this.#logger = opts.logger.child({ module: 'sessions' });
    this.#now = opts.now ?? Date.now;
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

  /** Connects the event hub (created once the HTTP server listens). */
  attachHub(hub: EventHub): void {
    this.#hub = hub;
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
        role: this.#roleOf(event.wallet),
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
        this.#hub?.emitIdentity('session:checkin', chainEvent);
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
    if (!keep) {
      const purged = this.#purger.purge(event.wallet, {
        actor: 'system:checkout',
        reason: `checkout ${event.signature}`,
      });
      this.#logger.info(
        { cameraId: event.cameraId, wallet: event.wallet, ...purged },
        'biometric data purged at check-out',
      );
    }
    setImmediate(() => {
      this.#hub?.emitIdentity('session:checkout', chainEvent);
      this.#hub?.disconnectWallet(event.cameraId, event.wallet);
      for (const l of this.#endListeners) l({ cameraId: event.cameraId, wallet: event.wallet, purged: !keep });
    });
  }

  /** Announces a session ended by request or timeout and disconnects its sockets. */
  announceEnded(ended: EndedSession): void {
    const { session } = ended;
    const reason = session.endReason === 'idle' || session.endReason === 'absolute' ? session.endReason : 'ended';
    this.#hub?.emitIdentity('session:expired', {
      cameraId: session.cameraId,
      wallet: session.wallet,
      sessionId: session.id,
      reason,
      at: this.#now(),
    });
    this.#hub?.disconnectWallet(session.cameraId, session.wallet);
    for (const l of this.#endListeners) l({ cameraId: session.cameraId, wallet: session.wallet, purged: false });
  }

  /** Ends timed-out sessions now. @returns how many ended. */
  sweep(): number {
    const ended = this.#sessions.expire();
    for (const e of ended) this.announceEnded(e);
    return ended.length;
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
