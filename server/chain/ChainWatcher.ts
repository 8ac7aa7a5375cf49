import type { ConfirmedSignatureInfo, Connection, PublicKey, VersionedTransactionResponse } from '@solana/web3.js';
import type { Logger } from 'pino';
import { InvalidStateError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import type { ChainCommitment, CheckinConsent } from './chainTypes.js';
import { parseCheckinMemo } from './checkinMemo.js';
import { MEMO_PROGRAM_ID } from './programIds.js';

/** A check-in or check-out found on chain. */
export interface ChainSessionEvent {
  kind: 'checkin' | 'checkout';
  cameraId: string;
  /** base58 address of the memo's signer. */
  wallet: string;
  /** base58 transaction signature. */
  signature: string;
  slot: number;
  /** Block time, Unix ms; null when the node does not know it. */
  blockTime: number | null;
  /** The memo's nonce (matches the built transaction's). */
  nonce: string;
  /** Consent given when the check-in was built; null for a check-out or an unknown nonce. */
  consent: CheckinConsent | null;
}

/** Options of {@link ChainWatcher}. */
export interface ChainWatcherOptions {
  /** Database holding `chain_signatures` and `chain_watcher_position` (chainMigrations applied). */
  database: AppDatabase;
  connection: Connection;
  /** Address whose transactions are watched (the check-in transfer's receiver). */
  cameraAddress: PublicKey;
  /** Camera ids a memo may name; others are ignored. */
  cameraIds: ReadonlySet<string>;
  /** Commitment of the signatures and transactions read. */
  commitment: ChainCommitment;
  /** Signatures per `getSignaturesForAddress` page (1–1000). */
  pageSize: number;
  /** Poll period after {@link ChainWatcher.start}, ms. */
  pollMs: number;
  /** Looks up the consent given at check-in; default: none (consent null). */
  consentFor?: (nonce: string, wallet: string) => CheckinConsent | null;
  /**
   * Called synchronously inside the SQLite transaction that records the signature and advances
   * the position; throwing rolls both back and the signature is retried on the next poll.
   */
  handler: (event: ChainSessionEvent) => void;
  /** Longest delay between polls after repeated RPC errors, ms; default 60 000. */
  maxBackoffMs?: number;
  /**
   * Polls on which a listed signature's transaction may be missing (`getTransaction` null: the node
   * lags) before it is recorded as ignored; default 5. Meanwhile later signatures wait behind it.
   */
  missingTransactionPolls?: number;
  /** Clock, Unix ms (for `processed_at`); default `Date.now`. */
  now?: () => number;
  logger: Logger;
}

/** What one poll did. */
export interface ChainPollResult {
  /** Signatures newer than the position listed by the node. */
  fetched: number;
  /** Of those, check-ins/check-outs handed to the handler. */
  accepted: number;
}

/** Where the watcher stands (read by server/metrics/ChainMetrics.ts before each scrape). */
export interface ChainWatcherStats {
  /** Polls that failed (an RPC or database error; the next one backs off), since creation. */
  failedPolls: number;
  /** Signatures whose handler threw (rolled back, retried on the next poll), since creation. */
  handlerErrors: number;
  /** When a poll last completed without error, Unix ms; null before the first. */
  lastSuccessAt: number | null;
  /** When the watcher was created, Unix ms. */
  createdAt: number;
  /** Slot of the last signature processed (the position); null when none was yet. */
  positionSlot: number | null;
  /**
   * Signatures the node listed at the last poll that are not processed yet (waiting behind a
   * transaction the node does not return yet, or a failed handler); 0 when caught up.
   */
  behindSignatures: number;
  /** Slots from the position to the newest signature the node listed at the last poll; 0 when caught up. */
  behindSlots: number;
}

type Verdict = { event: ChainSessionEvent } | { ignored: string } | 'retry';

/**
 * Turns on-chain check-ins into session events.
 *
 * Each poll pages `getSignaturesForAddress(cameraAddress, { limit, before, until: position })`
 * from the newest signature back until a short page (or the position), then processes the
 * signatures oldest → newest: a failed transaction is recorded as ignored; otherwise
 * `getTransaction` is read and accepted only when it holds an SPL Memo v3 instruction with utf8
 * data `mmoment:(checkin|checkout):<cameraId>:<nonce>` (cameraId in `cameraIds`) whose key is a
 * transaction signer (index < `header.numRequiredSignatures`): that signer is the wallet. Each
 * signature is recorded, the position advanced and the handler called in ONE SQLite transaction,
 * so an event is applied exactly once even across a crash.
 */
export class ChainWatcher {
  readonly #db: AppDatabase['db'];
  readonly #connection: Connection;
  readonly #address: PublicKey;
  readonly #addressText: string;
  readonly #cameraIds: ReadonlySet<string>;
  readonly #commitment: ChainCommitment;
  readonly #pageSize: number;
  readonly #pollMs: number;
  readonly #maxBackoffMs: number;
  readonly #missingPolls: number;
  readonly #consentFor: (nonce: string, wallet: string) => CheckinConsent | null;
  readonly #handler: (event: ChainSessionEvent) => void;
  readonly #now: () => number;
  readonly #logger: Logger;
  /** Tail of the chain of polls; each poll starts after the previous one settled. */
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;
  #failures = 0;
  /** Signature → polls on which its transaction was missing. */
  readonly #missing = new Map<string, number>();
  readonly #createdAt: number;
  #failedPolls = 0;
  #handlerErrors = 0;
  #lastSuccessAt: number | null = null;
  #behind = { signatures: 0, slots: 0 };

  constructor(opts: ChainWatcherOptions) {
    if (!Number.isInteger(opts.pageSize) || opts.pageSize < 1 || opts.pageSize > 1000) {
      throw new TypeError('pageSize must be an integer in 1..1000');
    }
    if (!(opts.pollMs > 0)) throw new TypeError('pollMs must be > 0');
    this.#db = opts.database.db;
    this.#connection = opts.connection;
    this.#address = opts.cameraAddress;
    this.#addressText = opts.cameraAddress.toBase58();
    this.#cameraIds = opts.cameraIds;
    this.#commitment = opts.commitment;
    this.#pageSize = opts.pageSize;
    this.#pollMs = opts.pollMs;
    this.#maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.#missingPolls = opts.missingTransactionPolls ?? 5;
    this.#consentFor = opts.consentFor ?? (() => null);
    this.#handler = opts.handler;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'chain-watcher', address: this.#addressText });
    this.#createdAt = this.#now();
  }

  /** Errors, the last successful poll, the position and how far the last poll left it behind. */
  stats(): ChainWatcherStats {
    const position = this.#db
      .prepare('SELECT slot FROM chain_watcher_position WHERE camera_address = ?')
      .get(this.#addressText) as { slot: number } | undefined;
    return {
      failedPolls: this.#failedPolls,
      handlerErrors: this.#handlerErrors,
      lastSuccessAt: this.#lastSuccessAt,
      createdAt: this.#createdAt,
      positionSlot: position?.slot ?? null,
      behindSignatures: this.#behind.signatures,
      behindSlots: this.#behind.slots,
    };
  }

  /**
   * Polls now and then every `pollMs` (timer unref'd). RPC errors are logged and back off
   * (doubling, capped at `maxBackoffMs`); nothing is thrown. A second call does nothing.
   * @throws InvalidStateError when closed.
   */
  start(): void {
    if (this.#closed) throw new InvalidStateError('chain watcher closed');
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /**
   * Runs one poll. Concurrent calls are serialized: the second waits for the first, then polls.
   * @throws InvalidStateError when closed; an RPC error (signatures processed before it stay done).
   */
  pollNow(): Promise<ChainPollResult> {
    if (this.#closed) return Promise.reject(new InvalidStateError('chain watcher closed'));
    const run = this.#queue.then(() => this.#poll());
    run.then(
      () => (this.#lastSuccessAt = this.#now()),
      () => (this.#failedPolls += 1),
    );
    // The queue only orders polls; `run`'s outcome, errors included, goes to this call's caller.
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Stops polling and waits for an in-flight poll to end. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#queue;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.pollNow().then(
        () => {
          this.#failures = 0;
          if (!this.#closed) this.#schedule(this.#pollMs);
        },
        (error: unknown) => {
          if (this.#closed) return;
          this.#failures += 1;
          const delay = Math.min(this.#pollMs * 2 ** this.#failures, this.#maxBackoffMs);
          this.#logger.warn({ err: error, failures: this.#failures, retryInMs: delay }, 'chain poll failed');
          this.#schedule(delay);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  async #poll(): Promise<ChainPollResult> {
    if (this.#closed) return { fetched: 0, accepted: 0 };
    // 1. List every signature newer than the position, newest first.
    const stored = this.#db
      .prepare('SELECT signature, slot FROM chain_watcher_position WHERE camera_address = ?')
      .get(this.#addressText) as { signature: string; slot: number } | undefined;
    const position = stored?.signature;
    const listed: ConfirmedSignatureInfo[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await this.#connection.getSignaturesForAddress(
        this.#address,
        { limit: this.#pageSize, before, until: position },
        this.#commitment,
      );
      const untilAt = page.findIndex((info) => info.signature === position);
      listed.push(...(untilAt === -1 ? page : page.slice(0, untilAt)));
      if (untilAt !== -1 || page.length < this.#pageSize) break;
      before = page[page.length - 1]!.signature;
    }

    // 2. Process them oldest first, one SQLite transaction each.
    listed.reverse();
    let accepted = 0;
    let processed = 0;
    for (const info of listed) {
      if (this.#closed) break;
      const known = this.#db.prepare('SELECT 1 FROM chain_signatures WHERE signature = ?').get(info.signature);
      const verdict: Verdict = known ? { ignored: 'recorded already' } : await this.#examine(info);
      if (verdict === 'retry') break;
      try {
        this.#db.transaction(() => {
          if (!known) this.#record(info, verdict);
          this.#db
            .prepare(
              `INSERT INTO chain_watcher_position (camera_address, signature, slot, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (camera_address) DO UPDATE SET signature = excluded.signature, slot = excluded.slot,
                 updated_at = excluded.updated_at`,
            )
            .run(this.#addressText, info.signature, info.slot, this.#now());
          if ('event' in verdict) this.#handler(verdict.event);
        })();
      } catch (error) {
        // Rolled back: this signature and the later ones are listed again on the next poll.
        this.#handlerErrors += 1;
        this.#logger.error(
          { err: error, signature: info.signature },
          'session event handler failed; retrying next poll',
        );
        break;
      }
      this.#missing.delete(info.signature);
      processed += 1;
      if ('event' in verdict) {
        accepted += 1;
        const { event } = verdict;
        this.#logger.info(
          {
            kind: event.kind,
            camera: event.cameraId,
            wallet: event.wallet,
            signature: event.signature,
            slot: event.slot,
          },
          'chain session event',
        );
      } else if (!known) {
        this.#logger.debug({ signature: info.signature, reason: verdict.ignored }, 'chain signature ignored');
      }
    }
    // 3. How far this poll left the position behind what the node listed.
    const left = listed.slice(processed);
    const reached = listed[processed - 1]?.slot ?? stored?.slot ?? left[0]?.slot ?? 0;
    this.#behind = {
      signatures: left.length,
      slots: left.length === 0 ? 0 : Math.max(0, left.at(-1)!.slot - reached),
    };
    return { fetched: listed.length, accepted };
  }

  #record(info: ConfirmedSignatureInfo, verdict: Exclude<Verdict, 'retry'>): void {
    const event = 'event' in verdict ? verdict.event : undefined;
    this.#db
      .prepare(
        `INSERT INTO chain_signatures (signature, camera_address, slot, block_time, outcome, reason, kind, camera_id,
           wallet, nonce, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        info.signature,
        this.#addressText,
        event?.slot ?? info.slot,
        event ? event.blockTime : info.blockTime != null ? info.blockTime * 1000 : null,
        event ? 'accepted' : 'ignored',
        'ignored' in verdict ? verdict.ignored : null,
        event?.kind ?? null,
        event?.cameraId ?? null,
        event?.wallet ?? null,
        event?.nonce ?? null,
        this.#now(),
      );
  }

  /** Decides whether a listed signature is a check-in/check-out of ours. */
  async #examine(info: ConfirmedSignatureInfo): Promise<Verdict> {
    if (info.err) return { ignored: `failed on chain: ${JSON.stringify(info.err)}` };
    const tx = await this.#connection.getTransaction(info.signature, {
      maxSupportedTransactionVersion: 0,
      commitment: this.#commitment,
    });
    if (!tx) {
      const misses = (this.#missing.get(info.signature) ?? 0) + 1;
      this.#missing.set(info.signature, misses);
      if (misses < this.#missingPolls) {
        this.#logger.debug({ signature: info.signature, misses }, 'listed transaction not available yet');
        return 'retry';
      }
      return { ignored: `transaction not available after ${misses} polls` };
    }
    if (tx.meta?.err) return { ignored: `failed on chain: ${JSON.stringify(tx.meta.err)}` };
    return this.#findMemo(info.signature, tx);
  }

  #findMemo(signature: string, tx: VersionedTransactionResponse): Verdict {
    const message = tx.transaction.message;
    const keys = message.staticAccountKeys;
    const signers = message.header.numRequiredSignatures;
    let reason = 'no Memo instruction';
    for (const ix of message.compiledInstructions) {
      if (!keys[ix.programIdIndex]?.equals(MEMO_PROGRAM_ID)) continue;
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(ix.data);
      } catch {
        reason = 'memo is not utf8';
        continue;
      }
      const memo = parseCheckinMemo(text);
      if (!memo) {
        reason = 'memo is not a check-in/check-out memo';
        continue;
      }
      if (!this.#cameraIds.has(memo.cameraId)) {
        reason = `memo names another camera (${memo.cameraId})`;
        continue;
      }
      const signerIndex = ix.accountKeyIndexes.find((i) => i < signers);
      if (signerIndex === undefined) {
        reason = 'memo has no signer';
        continue;
      }
      const wallet = keys[signerIndex]!.toBase58();
      const blockTime = tx.blockTime ?? null;
      return {
        event: {
          kind: memo.kind,
          cameraId: memo.cameraId,
          wallet,
          signature,
          slot: tx.slot,
          blockTime: blockTime === null ? null : blockTime * 1000,
          nonce: memo.nonce,
          consent: memo.kind === 'checkin' ? this.#consentFor(memo.nonce, wallet) : null,
        },
      };
    }
    return { ignored: reason };
  }
}
