import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bs58 from 'bs58';
import { AuditLog } from '../../../server/biometrics/AuditLog.js';
import { BiometricVault } from '../../../server/biometrics/BiometricVault.js';
import { biometricsMigrations } from '../../../server/biometrics/biometricsMigrations.js';
import { loadOrCreateMasterKey } from '../../../server/biometrics/MasterKey.js';
import { AppDatabase } from '../../../server/store/AppDatabase.js';
import { testLogger } from '../../helpers/logger.js';

/** A random wallet address (base58 of 32 bytes, as Solana writes them). */
export function randomWallet(): string {
  return bs58.encode(randomBytes(32));
}

/** A vault on a real SQLite file in a fresh temp folder; `close()` closes it, `remove()` deletes the folder. */
export interface Store {
  dir: string;
  database: AppDatabase;
  audit: AuditLog;
  vault: BiometricVault;
  /** Closes and reopens the database and vault, reloading the master key from its file. */
  restart(): void;
  close(): void;
  remove(): void;
}

/** Opens a store in `dir` (a new temp folder when omitted); `now` is the injected clock. */
export function openStore(opts: { dir?: string; now?: () => number } = {}): Store {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ecs-biometrics-'));
  const build = (): Pick<Store, 'database' | 'audit' | 'vault'> => {
    const database = AppDatabase.open(join(dir, 'server.db'), biometricsMigrations);
    const audit = new AuditLog(database, opts.now);
    const masterKey = loadOrCreateMasterKey(join(dir, 'master.key'));
    const vault = new BiometricVault({ database, masterKey, audit, dataDir: dir, now: opts.now, logger: testLogger });
    return { database, audit, vault };
  };
  const store: Store = {
    dir,
    ...build(),
    restart() {
      store.database.close();
      Object.assign(store, build());
    },
    close() {
      store.database.close();
    },
    remove() {
      store.database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return store;
}

/** Every file under `dir`, recursively, with its raw bytes. */
export function readAllFiles(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...readAllFiles(path));
    else if (entry.isFile()) out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

/** The files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: Uint8Array): string[] {
  return readAllFiles(dir)
    .filter((f) => f.bytes.indexOf(needle) !== -1)
    .map((f) => f.path);
}
