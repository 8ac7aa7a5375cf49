import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BiometricIntegrityError, type IntegritySubject } from './BiometricIntegrityError.js';

/** AES-256-GCM key length, bytes. */
export const KEY_BYTES = 32;
/** GCM IV length, bytes: 96 bits, the length NIST SP 800-38D §5.2.1.1 recommends. */
export const IV_BYTES = 12;
/** GCM authentication tag length, bytes: the full 128 bits. */
export const TAG_BYTES = 16;

/** The output of one AES-256-GCM encryption. `ciphertext` is as long as the plaintext. */
export interface Sealed {
  ciphertext: Buffer;
  /** 12 random bytes (NIST SP 800-38D §8.2.2, RBG-based construction). */
  iv: Buffer;
  /** 16 bytes. */
  tag: Buffer;
}

/**
 * Encrypts with AES-256-GCM (NIST SP 800-38D) under a fresh random 96-bit IV.
 * @param key 32 bytes.
 * @param aad associated data: authenticated, not encrypted, not stored.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

/**
 * Decrypts and authenticates AES-256-GCM output.
 * @param key 32 bytes.
 * @param aad the associated data given to {@link seal}.
 * @param subject what is being opened, for the error.
 * @throws BiometricIntegrityError when authentication fails (altered ciphertext, tag, IV or AAD,
 *   wrong key) or the IV or tag has the wrong length.
 */
export function open(key: Uint8Array, sealed: Sealed, aad: Uint8Array, subject: IntegritySubject): Buffer {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
    throw new BiometricIntegrityError(
      `${subject}: IV of ${sealed.iv.length} bytes / tag of ${sealed.tag.length} bytes (expected ${IV_BYTES} / ${TAG_BYTES})`,
      subject,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (error) {
    throw new BiometricIntegrityError(`${subject} failed AES-256-GCM authentication`, subject, { cause: error });
  }
}
