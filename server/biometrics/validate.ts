import { isSolanaAddress } from '../solanaAddress.js';
import { BadRequestError } from '../../media/core/errors.js';

/**
 * Checks a wallet address: base58 (Bitcoin alphabet) of a 32-byte ed25519 public key, as Solana
 * writes addresses. Being base58, it is also safe as a file name.
 * @throws BadRequestError(message, field) naming the problem.
 */
export function checkWallet(wallet: unknown, field = 'wallet'): string {
  if (typeof wallet !== 'string') throw new BadRequestError(`${field} must be a string`, field);
  if (!isSolanaAddress(wallet)) throw new BadRequestError(`${field} is not a base58 Solana address (32 bytes)`, field);
  return wallet;
}

/**
 * Checks a short identifier (kind, camera id, action): 1 to `max` characters of letters, digits,
 * `.`, `_`, `-` and `:`, starting with a letter or digit.
 * @throws BadRequestError(message, field).
 */
export function checkName(value: unknown, field: string, max = 64): string {
  if (typeof value !== 'string') throw new BadRequestError(`${field} must be a string`, field);
  if (!new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${max - 1}}$`).test(value)) {
    throw new BadRequestError(
      `${field} must be 1 to ${max} letters, digits, ".", "_", "-" or ":", starting with a letter or digit`,
      field,
    );
  }
  return value;
}

/**
 * Checks free text (actor, purge reason, model name): a non-empty string of at most `max`
 * characters without control characters.
 * @throws BadRequestError(message, field).
 */
export function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new BadRequestError(`${field} must be a non-empty string`, field);
  if (value.length > max) throw new BadRequestError(`${field} is longer than ${max} characters`, field);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new BadRequestError(`${field} holds control characters`, field);
  return value;
}
