import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Reads a secret key file, or creates it with `bytes` random bytes on first start: mode 0600 in
 * a 0700 folder, written to a temporary file and renamed so a crash never leaves half a key.
 * @returns the file's bytes.
 * @throws Error when the file has the wrong size or is readable by group or others.
 */
export function loadOrCreateSecret(file: string, bytes: number): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, randomBytes(bytes), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new Error(`${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  const key = readFileSync(file);
  if (key.length !== bytes) throw new Error(`${file} must hold exactly ${bytes} bytes, found ${key.length}`);
  return key;
}
