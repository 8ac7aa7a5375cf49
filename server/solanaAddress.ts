import bs58 from 'bs58';

/**
 * True when `value` is a Solana address: base58 (Bitcoin alphabet) of a 32-byte ed25519 public
 * key, at most 44 characters. Being base58, such a string is also safe as a file name. The one
 * check behind the HTTP bodies, the chain code and the biometric vault.
 */
export function isSolanaAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 32 || value.length > 44) return false;
  try {
    return bs58.decode(value).length === 32;
  } catch {
    return false;
  }
}
