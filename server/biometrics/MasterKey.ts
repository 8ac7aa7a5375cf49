import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadOrCreateSecret } from '../sessions/loadOrCreateSecret.js';
import { KEY_BYTES } from './aesGcm.js';

/**
 * Loads the biometric master key, or creates it on first start: 32 random bytes (an AES-256
 * key) in `file` (config `biometrics.masterKeyFile`, default `<dataDir>/master.key`), mode 0600
 * in a 0700 folder, written to a temporary file and renamed so a crash never leaves half a key
 * (the rules of {@link loadOrCreateSecret}, which does the work). The master key only wraps the
 * per-wallet data keys (see BiometricVault); it never leaves this box and is never logged.
 * Losing it makes every stored biometric blob and package unreadable.
 * @param logger when given, logs `created` or `loaded` with the file path (never the key).
 * @returns a `Buffer` of 32 bytes.
 * @throws Error with a message naming the file when it has the wrong size or is readable by group
 *   or others (fix with `chmod 600`), or when it cannot be read or written.
 */
export function loadOrCreateMasterKey(file: string, logger?: Logger): Buffer {
  const existed = existsSync(file);
  let key: Buffer;
  try {
    key = loadOrCreateSecret(file, KEY_BYTES);
  } catch (error) {
    throw new Error(`biometric master key: ${(error as Error).message}`, { cause: error });
  }
  logger?.info({ file }, existed ? 'biometric master key loaded' : 'biometric master key created');
  return key;
}
