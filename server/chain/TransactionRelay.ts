import { setTimeout as sleep } from 'node:timers/promises';
import { SendTransactionError, type Connection, type TransactionError } from '@solana/web3.js';
import bs58 from 'bs58';
import type { Logger } from 'pino';
import { BadRequestError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import { verifyEd25519 } from './chainCrypto.js';
import type { ChainCommitment, ChainTransactionKind } from './chainTypes.js';
import type { CheckinTransactions } from './CheckinTransactions.js';
import { decodeWireTransaction } from './wireTransaction.js';

/** Options of {@link TransactionRelay}. */
export interface TransactionRelayOptions {
  /** Database holding `chain_transactions` (chainMigrations applied); the same as `pending`'s. */
  database: AppDatabase;
  connection: Connection;
  /** Where the transactions this server built are remembered. */
  pending: CheckinTransactions;
  /** Commitment waited for (and used for preflight). */
  commitment: ChainCommitment;
  /** Longest wait for the submitted transaction to reach the commitment, ms. */
  confirmTimeoutMs: number;
  /** Period of `getSignatureStatuses` polls, ms; default 500. */
  pollMs?: number;
  /** Clock for the expiry check, Unix ms; default `Date.now` (the confirmation wait uses real time). */
  now?: () => number;
  logger: Logger;
}

/** A relayed, confirmed transaction. */
export interface RelayedTransaction {
  /** base58 transaction signature (the fee payer's). */
  signature: string;
  /** Slot the transaction landed in. */
  slot: number;
  kind: ChainTransactionKind;
  txId: string;
}

/** Program log lines quoted in an error message. */
const LOG_LINES_QUOTED = 3;

/**
 * Relays a wallet-signed transaction, only one this server built or registered
 * ({@link CheckinTransactions}), and waits until it reaches the commitment by polling
 * `getSignatureStatuses` (no websocket subscription).
 */
export class TransactionRelay {
  readonly #pending: CheckinTransactions;
  readonly #connection: Connection;
  readonly #commitment: ChainCommitment;
  readonly #confirmTimeoutMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(opts: TransactionRelayOptions) {
    this.#pending = opts.pending;
    this.#connection = opts.connection;
    this.#commitment = opts.commitment;
    this.#confirmTimeoutMs = opts.confirmTimeoutMs;
    this.#pollMs = opts.pollMs ?? 500;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'tx-relay' });
  }

  /**
   * Validates, sends and confirms a signed transaction.
   *
   * Validation, before anything is written (BadRequestError, field 'transaction'): base64 and
   * wire format; its message bytes equal those of a transaction built for `cameraId`; built for
   * `wallet`; not expired; not submitted before; every required signature present and a valid
   * ed25519 signature over the message. Then `sendRawTransaction` with preflight, and polling
   * until the commitment is reached.
   * @param req.transaction base64 wire transaction, signed by the wallet.
   * @param req.wallet the signed-in wallet, base58.
   * @throws BadRequestError (field 'transaction') for a validation failure, an RPC/preflight
   *   rejection (message quotes the last program log lines) or a transaction that failed on chain;
   *   Error 'not confirmed within …' on timeout (the row stays 'submitted' with its signature).
   */
  async submit(req: { transaction: string; wallet: string; cameraId: string }): Promise<RelayedTransaction> {
    // 1. Parse and match against what this server built.
    const wire = decodeWireTransaction(req.transaction);
    const row = this.#pending.lookup(wire.messageBytes);
    if (!row || row.cameraId !== req.cameraId) {
      throw new BadRequestError('transaction was not built by this server', 'transaction');
    }
    if (row.wallet !== req.wallet) throw new BadRequestError('transaction was built for another wallet', 'transaction');
    if (this.#now() >= row.expiresAt) throw new BadRequestError('transaction expired: build a new one', 'transaction');
    if (row.status !== 'built') throw new BadRequestError('transaction already submitted', 'transaction');

    // 2. Every required signature present and valid (header.numRequiredSignatures first keys).
    const keys = wire.message.staticAccountKeys;
    wire.signatures.forEach((signature, i) => {
      const signer = keys[i]!;
      if (!verifyEd25519(signer.toBytes(), wire.messageBytes, signature)) {
        throw new BadRequestError(`transaction is not signed by ${signer.toBase58()}`, 'transaction');
      }
    });
    const signature = bs58.encode(wire.signatures[0]!);
    const log = this.#logger.child({ txId: row.txId, kind: row.kind, signature });

    // 3. Claim the row (a concurrent submit of the same transaction loses here), then send.
    if (!this.#pending.transition(row.txId, 'built', 'submitting'))
      throw new BadRequestError('transaction already submitted', 'transaction');
    try {
      await this.#connection.sendRawTransaction(wire.raw, {
        skipPreflight: false,
        preflightCommitment: this.#commitment,
      });
    } catch (error) {
      // Not sent: give the row back so a corrected retry (e.g. after funding the wallet) is possible.
      this.#pending.transition(row.txId, 'submitting', 'built');
      if (error instanceof SendTransactionError) {
        const logs = error.transactionError.logs ?? [];
        const tail = logs.slice(-LOG_LINES_QUOTED).join(' | ');
        log.info({ err: error.transactionError.message, logs: tail }, 'transaction rejected by the RPC node');
        throw new BadRequestError(
          `transaction rejected: ${error.transactionError.message}${tail ? `; logs: ${tail}` : ''}`,
          'transaction',
        );
      }
      throw error;
    }
    this.#pending.transition(row.txId, 'submitting', 'submitted', { signature });
    log.debug('transaction sent');

    // 4. Poll its status until the commitment or the deadline.
    const deadline = performance.now() + this.#confirmTimeoutMs; // real time, not the injectable clock
    for (;;) {
      let status;
      try {
        ({
          value: [status],
        } = await this.#connection.getSignatureStatuses([signature]));
      } catch (error) {
        log.warn({ err: error }, 'getSignatureStatuses failed; retrying');
      }
      if (status?.err) {
        const reason = await this.#failureReason(signature, status.err);
        this.#pending.transition(row.txId, 'submitted', 'failed', { slot: status.slot, error: reason });
        log.info({ reason }, 'transaction failed on chain');
        throw new BadRequestError(`transaction failed on chain: ${reason}`, 'transaction');
      }
      if (status && this.#reached(status.confirmationStatus)) {
        this.#pending.transition(row.txId, 'submitted', 'confirmed', { slot: status.slot });
        log.info({ slot: status.slot }, 'transaction confirmed');
        return { signature, slot: status.slot, kind: row.kind, txId: row.txId };
      }
      if (performance.now() >= deadline) {
        log.warn({ timeoutMs: this.#confirmTimeoutMs }, 'transaction not confirmed in time');
        throw new Error(`transaction ${signature} not confirmed within ${this.#confirmTimeoutMs} ms`);
      }
      await sleep(this.#pollMs);
    }
  }

  #reached(status: string | null | undefined): boolean {
    if (status === 'finalized') return true;
    return status === 'confirmed' && this.#commitment === 'confirmed';
  }

  /** The on-chain error with the last program log lines, when the node still has them. */
  async #failureReason(signature: string, err: TransactionError): Promise<string> {
    let logs: string[] = [];
    try {
      const tx = await this.#connection.getTransaction(signature, {
        commitment: this.#commitment,
        maxSupportedTransactionVersion: 0,
      });
      logs = tx?.meta?.logMessages ?? [];
    } catch (error) {
      this.#logger.debug({ err: error, signature }, 'logs of a failed transaction unavailable');
    }
    const tail = logs.slice(-LOG_LINES_QUOTED).join(' | ');
    return `${JSON.stringify(err)}${tail ? `; logs: ${tail}` : ''}`;
  }
}
