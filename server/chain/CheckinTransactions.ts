import { randomUUID } from 'node:crypto';
import { SystemProgram, Transaction, TransactionInstruction, type Connection, type PublicKey } from '@solana/web3.js';
import type { Logger } from 'pino';
import { BadRequestError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import { parseAddress, randomNonce, sha256Hex } from './chainCrypto.js';
import type { BuiltTransaction, ChainCommitment, ChainTransactionKind, CheckinConsent } from './chainTypes.js';
import { formatCheckinMemo } from './checkinMemo.js';
import { MEMO_PROGRAM_ID } from './programIds.js';

/** Options of {@link CheckinTransactions}. */
export interface CheckinTransactionsOptions {
  /** Database holding `chain_transactions` (chainMigrations applied). */
  database: AppDatabase;
  connection: Connection;
  /** The camera's address: receiver of the 0-lamport transfer the chain watcher looks for. */
  cameraAddress: PublicKey;
  /** Commitment of the blockhash fetched for a new transaction. */
  commitment: ChainCommitment;
  /** A built or registered transaction must be submitted within this, s. */
  txTtlS: number;
  /** Clock, Unix ms; default `Date.now`. */
  now?: () => number;
  logger: Logger;
}

/** Life of a remembered transaction: built → submitting → submitted → confirmed | failed. */
export type PendingStatus = 'built' | 'submitting' | 'submitted' | 'confirmed' | 'failed';

/** A remembered transaction, as the relay sees it. */
export interface PendingTransaction {
  txId: string;
  kind: ChainTransactionKind;
  /** base58 wallet it was built for. */
  wallet: string;
  cameraId: string;
  status: PendingStatus;
  /** Unix ms. */
  expiresAt: number;
}

/** Built (never submitted) rows are deleted by prune this long after they expired, ms. */
const PRUNE_GRACE_MS = 3_600_000;

/**
 * Builds the user-signed check-in/check-out transaction and remembers it, so the relay
 * ({@link TransactionRelay}) accepts only transactions this server built.
 *
 * Transaction (legacy format): fee payer = the user's wallet; instruction 1: SPL Memo v3
 * (https://spl.solana.com/memo) with the user as signer key and utf8 data
 * `mmoment:<checkin|checkout>:<cameraId>:<nonce>`; instruction 2: `SystemProgram.transfer` of 0
 * lamports from the user to the camera address, so `getSignaturesForAddress(camera)` finds it.
 * A built transaction is remembered by the SHA-256 of its message bytes.
 */
export class CheckinTransactions {
  readonly #db: AppDatabase['db'];
  readonly #connection: Connection;
  readonly #cameraAddress: PublicKey;
  readonly #commitment: ChainCommitment;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(opts: CheckinTransactionsOptions) {
    if (!(opts.txTtlS > 0)) throw new TypeError('txTtlS must be > 0');
    this.#db = opts.database.db;
    this.#connection = opts.connection;
    this.#cameraAddress = opts.cameraAddress;
    this.#commitment = opts.commitment;
    this.#ttlMs = opts.txTtlS * 1000;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'checkin-tx' });
  }

  /**
   * Builds and remembers an unsigned check-in or check-out transaction.
   * @param req.consent stored with a check-in, read back by {@link consentFor}.
   * @throws BadRequestError with field 'kind' | 'wallet' | 'cameraId' | 'consent'; an RPC error
   *   from `getLatestBlockhash` as is.
   */
  async build(req: {
    kind: 'checkin' | 'checkout';
    wallet: string;
    cameraId: string;
    consent?: CheckinConsent;
  }): Promise<BuiltTransaction> {
    if (req.kind !== 'checkin' && req.kind !== 'checkout') {
      throw new BadRequestError("kind must be 'checkin' or 'checkout'", 'kind');
    }
    const user = parseAddress(req.wallet, 'wallet');
    if (typeof req.cameraId !== 'string' || !/^[a-zA-Z0-9_-]{1,32}$/.test(req.cameraId)) {
      throw new BadRequestError('cameraId must be letters, digits, "_" or "-", at most 32', 'cameraId');
    }
    const consent = req.consent;
    if (
      consent !== undefined &&
      (typeof consent !== 'object' ||
        consent === null ||
        typeof consent.showName !== 'boolean' ||
        typeof consent.keepEnrolment !== 'boolean')
    ) {
      throw new BadRequestError('consent must be { showName: boolean, keepEnrolment: boolean }', 'consent');
    }
    const nonce = randomNonce();
    const memo = formatCheckinMemo({ kind: req.kind, cameraId: req.cameraId, nonce });
    const { blockhash, lastValidBlockHeight } = await this.#connection.getLatestBlockhash(this.#commitment);
    const tx = new Transaction({ feePayer: user, blockhash, lastValidBlockHeight }).add(
      new TransactionInstruction({
        programId: MEMO_PROGRAM_ID,
        keys: [{ pubkey: user, isSigner: true, isWritable: false }],
        data: Buffer.from(memo, 'utf8'),
      }),
      SystemProgram.transfer({ fromPubkey: user, toPubkey: this.#cameraAddress, lamports: 0 }),
    );
    const messageBytes = tx.serializeMessage();
    const transaction = tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');
    const now = this.#now();
    const expiresAt = now + this.#ttlMs;
    const txId = randomUUID();
    const withConsent = req.kind === 'checkin' && consent !== undefined;
    this.#db
      .prepare(
        `INSERT INTO chain_transactions (tx_id, kind, wallet, camera_id, nonce, message_sha256, blockhash,
           last_valid_block_height, consent_show_name, consent_keep_enrolment, created_at, expires_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        txId,
        req.kind,
        req.wallet,
        req.cameraId,
        nonce,
        sha256Hex(messageBytes),
        blockhash,
        lastValidBlockHeight,
        withConsent ? Number(consent.showName) : null,
        withConsent ? Number(consent.keepEnrolment) : null,
        now,
        expiresAt,
        now,
      );
    this.#logger.debug({ txId, kind: req.kind, wallet: req.wallet, camera: req.cameraId }, 'transaction built');
    return { txId, transaction, blockhash, lastValidBlockHeight, expiresAt: new Date(expiresAt).toISOString(), memo };
  }

  /**
   * Registers a transaction built elsewhere (the face NFT builder) so the relay accepts it. Its
   * message is taken as `transaction.serializeMessage()`; existing signatures (e.g. the mint's)
   * are kept by the wallet and checked by the relay.
   * @param req.wallet the user's base58 address (the relay accepts it from this wallet only).
   * @throws BadRequestError field 'wallet' | 'transaction' (no blockhash, or registered already).
   */
  register(req: {
    kind: 'face-nft';
    wallet: string;
    cameraId: string;
    transaction: Transaction;
    lastValidBlockHeight: number;
  }): { txId: string; expiresAt: string } {
    if (req.kind !== 'face-nft') throw new BadRequestError("kind must be 'face-nft'", 'kind');
    parseAddress(req.wallet, 'wallet');
    const blockhash = req.transaction.recentBlockhash;
    if (!blockhash) throw new BadRequestError('transaction has no recent blockhash', 'transaction');
    const hash = sha256Hex(req.transaction.serializeMessage());
    const now = this.#now();
    const expiresAt = now + this.#ttlMs;
    const txId = randomUUID();
    const { changes } = this.#db
      .prepare(
        `INSERT OR IGNORE INTO chain_transactions (tx_id, kind, wallet, camera_id, nonce, message_sha256, blockhash,
           last_valid_block_height, created_at, expires_at, updated_at)
         VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      )
      .run(txId, req.kind, req.wallet, req.cameraId, hash, blockhash, req.lastValidBlockHeight, now, expiresAt, now);
    if (changes !== 1) throw new BadRequestError('transaction registered already', 'transaction');
    this.#logger.debug({ txId, kind: req.kind, wallet: req.wallet, camera: req.cameraId }, 'transaction registered');
    return { txId, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * The consent given when the check-in with memo nonce `nonce` was built for `wallet`; null when
   * there is no such check-in or it was built without consent.
   */
  consentFor(nonce: string, wallet: string): CheckinConsent | null {
    const row = this.#db
      .prepare(
        `SELECT consent_show_name AS showName, consent_keep_enrolment AS keepEnrolment FROM chain_transactions
         WHERE nonce = ? AND wallet = ? AND kind = 'checkin'`,
      )
      .get(nonce, wallet) as { showName: number | null; keepEnrolment: number | null } | undefined;
    if (!row || row.showName === null || row.keepEnrolment === null) return null;
    return { showName: row.showName === 1, keepEnrolment: row.keepEnrolment === 1 };
  }

  /** For the relay: the remembered transaction with these message bytes, or undefined. */
  lookup(messageBytes: Uint8Array): PendingTransaction | undefined {
    return this.#db
      .prepare(
        `SELECT tx_id AS txId, kind, wallet, camera_id AS cameraId, status, expires_at AS expiresAt
         FROM chain_transactions WHERE message_sha256 = ?`,
      )
      .get(sha256Hex(messageBytes)) as PendingTransaction | undefined;
  }

  /**
   * For the relay: moves a transaction from status `from` to `to`, setting the given columns
   * (undefined = unchanged). Returns false, changing nothing, when it was not in `from`.
   */
  transition(
    txId: string,
    from: PendingStatus,
    to: PendingStatus,
    set: { signature?: string | null; slot?: number; error?: string } = {},
  ): boolean {
    const { changes } = this.#db
      .prepare(
        `UPDATE chain_transactions SET status = ?, signature = CASE WHEN ? THEN ? ELSE signature END,
           slot = coalesce(?, slot), error = coalesce(?, error), updated_at = ?
         WHERE tx_id = ? AND status = ?`,
      )
      .run(
        to,
        Number('signature' in set),
        set.signature ?? null,
        set.slot ?? null,
        set.error ?? null,
        this.#now(),
        txId,
        from,
      );
    return changes === 1;
  }

  /**
   * Deletes transactions that were built but never submitted and expired more than an hour ago
   * (submitted ones are kept: their consent is still read by the chain watcher). Returns how many.
   */
  prune(): number {
    const { changes } = this.#db
      .prepare(`DELETE FROM chain_transactions WHERE status = 'built' AND expires_at < ?`)
      .run(this.#now() - PRUNE_GRACE_MS);
    return changes;
  }
}

export type { BuiltTransaction } from './chainTypes.js';
