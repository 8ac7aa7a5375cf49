/** What failed authentication: a stored blob, a wallet's wrapped data key, or a package file. */
export type IntegritySubject = 'blob' | 'wrapped-key' | 'package';

/**
 * Stored biometric data failed its integrity check: AES-256-GCM authentication failed (the
 * ciphertext, the tag, the IV or the associated data was altered, or the wrong key was used), or a
 * package file's bytes do not hash to its name. The data is not returned. Treat as a server fault
 * (HTTP 500) and look at the audit log: every such failure is recorded there.
 */
export class BiometricIntegrityError extends Error {
  override name = 'BiometricIntegrityError';
  constructor(
    message: string,
    readonly subject: IntegritySubject,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
