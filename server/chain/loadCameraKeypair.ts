import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Keypair } from '@solana/web3.js';
import type { Logger } from 'pino';

/**
 * Loads the camera's keypair from a `solana-keygen` JSON file (an array of 64 numbers: the
 * 32-byte seed then the 32-byte public key), or generates one into that file on first start
 * (mode 0600, written to a temporary file and renamed). The camera's address is where check-ins
 * send their 0-lamport transfer and the authority that co-signs face NFTs.
 * @throws Error naming the file when it is unreadable, not such an array, or readable by others.
 */
export function loadCameraKeypair(file: string, logger?: Logger): Keypair {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const keypair = Keypair.generate();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Array.from(keypair.secretKey)), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
    logger?.info({ file, address: keypair.publicKey.toBase58() }, 'camera keypair generated');
    return keypair;
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new Error(`${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  let bytes: unknown;
  try {
    bytes = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not a solana-keygen JSON keypair: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new Error(`${file} is not a solana-keygen JSON keypair (an array of 64 bytes)`);
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}
