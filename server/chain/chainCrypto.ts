import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';
import bs58 from 'bs58';
import { BadRequestError } from '../../media/core/errors.js';
import { isSolanaAddress } from '../solanaAddress.js';

/** DER prefix of an ed25519 SubjectPublicKeyInfo (RFC 8410 §4); the 32 raw key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Verifies an ed25519 signature (RFC 8032 §5.1.7) with node:crypto.
 * @param publicKey 32 raw bytes.
 * @param message the signed bytes.
 * @param signature 64 bytes.
 * @returns false when the signature does not verify or the key is not a valid point.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  let key;
  try {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch {
    // Not an encodable ed25519 key: nothing can verify against it.
    return false;
  }
  return verify(null, message, key, signature);
}

/**
 * A random alphanumeric nonce: base58 of `bytes` random bytes (16 bytes = 128 bits, ~22 chars).
 * SIWS (EIP-4361 §"nonce") requires at least 8 alphanumeric characters.
 */
export function randomNonce(bytes = 16): string {
  return bs58.encode(randomBytes(bytes));
}

/** Lower-case hex SHA-256 of `data`. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Parses a base58 Solana address (a 32-byte ed25519 public key).
 * @throws BadRequestError(…, field) when it is not one.
 */
export function parseAddress(address: unknown, field: string): PublicKey {
  if (!isSolanaAddress(address)) throw new BadRequestError(`${field} is not a base58 Solana address`, field);
  return new PublicKey(address);
}
