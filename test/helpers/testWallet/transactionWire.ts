/**
 * Just enough of Solana's transaction wire format to sign one (no dependency on web3.js), as in
 * https://solana.com/docs/core/transactions:
 *
 * ```
 * transaction = compact-u16 n, n × 64-byte signature, message
 * legacy message = header(3) = [num_required_signatures, num_readonly_signed, num_readonly_unsigned],
 *                  compact-u16 m, m × 32-byte account key, ...
 * v0 message     = 0x80 | version (version 0 only), then the legacy layout
 * ```
 *
 * The signers are the first `num_required_signatures` account keys, in the order of the signatures.
 */

/** Where the parts of a serialized transaction lie. */
export interface TransactionLayout {
  /** Byte offset of the first signature. */
  signaturesOffset: number;
  /** Number of signature slots. */
  signatureCount: number;
  /** Byte offset of the message (what every signer signs, to the end of the buffer). */
  messageOffset: number;
  /** 'legacy' or the version number of a versioned message. */
  version: 'legacy' | number;
  /** The first `num_required_signatures` account keys, 32 bytes each. */
  signers: Uint8Array[];
}

/**
 * Reads a compact-u16 ("shortvec": 7 bits per byte, least significant first, high bit = more, at
 * most 3 bytes). Returns the value and the number of bytes it took.
 * @throws RangeError on a truncated or over-long encoding.
 */
export function readCompactU16(bytes: Uint8Array, offset: number): { value: number; size: number } {
  let value = 0;
  for (let size = 0; size < 3; size += 1) {
    const byte = bytes[offset + size];
    if (byte === undefined) throw new RangeError('compact-u16 runs past the end of the transaction');
    value |= (byte & 0x7f) << (7 * size);
    if ((byte & 0x80) === 0) return { value, size: size + 1 };
  }
  throw new RangeError('compact-u16 longer than 3 bytes');
}

/**
 * Parses the signature slots and signer keys of a serialized transaction.
 * @throws RangeError when the bytes are truncated; TypeError for a message version other than 0.
 */
export function parseTransaction(wire: Uint8Array): TransactionLayout {
  const sigs = readCompactU16(wire, 0);
  const signaturesOffset = sigs.size;
  const messageOffset = signaturesOffset + 64 * sigs.value;
  const first = wire[messageOffset];
  if (first === undefined) throw new RangeError('transaction has no message');
  let version: 'legacy' | number = 'legacy';
  let header = messageOffset;
  if (first & 0x80) {
    version = first & 0x7f;
    if (version !== 0) throw new TypeError(`transaction message version ${version} is not supported`);
    header += 1;
  }
  const required = wire[header];
  if (required === undefined) throw new RangeError('transaction message header truncated');
  const keys = readCompactU16(wire, header + 3);
  const keysOffset = header + 3 + keys.size;
  if (keys.value < required || keysOffset + 32 * keys.value > wire.length) {
    throw new RangeError('transaction account keys truncated');
  }
  const signers: Uint8Array[] = [];
  for (let i = 0; i < required; i += 1) signers.push(wire.subarray(keysOffset + 32 * i, keysOffset + 32 * (i + 1)));
  return { signaturesOffset, signatureCount: sigs.value, messageOffset, version, signers };
}

/**
 * Signs a serialized transaction (legacy or v0) as `publicKey`: puts the signature of the message
 * in that signer's slot and keeps the other slots as they are.
 * @throws Error when `publicKey` is not one of the transaction's signers.
 */
export async function signTransactionBytes(
  wire: Uint8Array,
  publicKey: Uint8Array,
  sign: (message: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const layout = parseTransaction(wire);
  const index = layout.signers.findIndex((key) => key.every((b, i) => b === publicKey[i]));
  if (index < 0 || index >= layout.signatureCount) throw new Error('this wallet is not a signer of the transaction');
  const signature = await sign(wire.subarray(layout.messageOffset));
  const signed = Uint8Array.from(wire);
  signed.set(signature, layout.signaturesOffset + 64 * index);
  return signed;
}
