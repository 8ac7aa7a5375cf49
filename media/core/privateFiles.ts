import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { writeFileAtomic } from './writeFileAtomic.js';

/**
 * Makes sure `path` is a folder only this user can enter (mode 0700): creates it (and missing
 * parents) with 0700, or tightens an existing folder of this user to 0700.
 * @param setting the configuration setting that names the folder, for error messages.
 * @returns the mode the folder had before when it was tightened (the caller logs it), else undefined.
 * @throws Error naming `setting` when `path` is not a folder, or is open to others and cannot be
 *   tightened (another user's folder, or a shared sticky folder such as /tmp).
 */
export function ensurePrivateDir(path: string, setting: string): number | undefined {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const stat = statSync(path);
  if (!stat.isDirectory()) throw new Error(`${setting}: ${path} is not a folder`);
  const mode = stat.mode & 0o7777;
  if ((mode & 0o077) === 0) return undefined;
  const uid = process.getuid?.();
  if ((uid !== undefined && stat.uid !== uid) || (mode & 0o1000) !== 0) {
    throw new Error(
      `${setting}: ${path} is open to other users (mode ${mode.toString(8)}) and is not this user's own ` +
        'folder: choose a folder of its own',
    );
  }
  chmodSync(path, 0o700);
  return mode;
}

/**
 * Writes `data` to `path` with mode 0600, atomically ({@link writeFileAtomic}: no reader ever
 * sees a partial or wider file).
 * @throws the file-system error of the failing step.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileAtomic(path, data, 0o600);
}
