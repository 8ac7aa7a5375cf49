import { VersionedTransaction, type VersionedMessage } from '@solana/web3.js';
import { BadRequestError } from '../../media/core/errors.js';

/** A transaction as sent on the wire, split into its parts. */
export interface WireTransaction {
  /** The whole wire transaction. */
  raw: Buffer;
  /** The signed part: everything after the signature array. */
  messageBytes: Uint8Array;
  /** 64 bytes each, in the order of the message's signer keys; all zero = not signed. */
  signatures: Uint8Array[];
  message: VersionedMessage;
}

/**
 * Decodes a base64 wire transaction (legacy or v0): a compact-u16 signature count, 64-byte
 * signatures, then the message (Solana docs, "Transactions › Transaction format").
 * @throws BadRequestError (field 'transaction') 'transaction is not valid base64' or 'not a
 *   Solana transaction' (malformed, trailing bytes, or a signature count other than the
 *   message's required signers).
 */
export function decodeWireTransaction(base64: unknown): WireTransaction {
  if (
    typeof base64 !== 'string' ||
    base64.length === 0 ||
    base64.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)
  ) {
    throw new BadRequestError('transaction is not valid base64', 'transaction');
  }
  const raw = Buffer.from(base64, 'base64');
  const notTx = new BadRequestError('not a Solana transaction', 'transaction');
  // compact-u16 (shortvec) signature count.
  let count = 0;
  let offset = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = raw[offset++];
    if (byte === undefined || shift > 14) throw notTx;
    count |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
  }
  const messageStart = offset + count * 64;
  if (count === 0 || messageStart >= raw.length) throw notTx;
  let tx: VersionedTransaction;
  try {
    tx = VersionedTransaction.deserialize(raw);
  } catch {
    throw notTx;
  }
  const messageBytes = raw.subarray(messageStart);
  if (!Buffer.from(tx.message.serialize()).equals(messageBytes)) throw notTx;
  if (tx.signatures.length !== tx.message.header.numRequiredSignatures) throw notTx;
  return { raw, messageBytes, signatures: tx.signatures, message: tx.message };
}
