import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Migration } from './Migration.js';

/** A better-sqlite3 connection, as the repositories use it. */
export type SqliteDatabase = BetterSqlite3.Database;

/**
 * The server's SQLite database (better-sqlite3, synchronous, one connection per process).
 *
 * Opened with `journal_mode=WAL` (readers never block the writer), `synchronous=NORMAL` (safe
 * with WAL: a power cut loses at most the last transactions, never corrupts), `foreign_keys=ON`
 * and `secure_delete=ON` (freed pages are overwritten with zeros, so deleted biometric rows do
 * not linger in the main file; see {@link AppDatabase.scrubWal} for the WAL file). The file is
 * created with mode 0600.
 */
export class AppDatabase {
  readonly db: SqliteDatabase;
  readonly path: string;
  #closed = false;

  private constructor(db: SqliteDatabase, path: string) {
    this.db = db;
    this.path = path;
  }

  /**
   * Opens (creating if needed) the database at `path` and applies the migrations not yet applied.
   * @param path file path, or `:memory:`.
   * @param migrations every concern's migrations; ids must be unique.
   * @throws Error when a migration fails (nothing of it is applied) or ids repeat.
   */
  static open(path: string, migrations: readonly Migration[], logger?: Logger): AppDatabase {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const created = !existsSync(path);
      const db = new BetterSqlite3(path);
      if (created) chmodSync(path, 0o600);
      return AppDatabase.#init(new AppDatabase(db, path), migrations, logger);
    }
    return AppDatabase.#init(new AppDatabase(new BetterSqlite3(':memory:'), path), migrations, logger);
  }

  static #init(store: AppDatabase, migrations: readonly Migration[], logger?: Logger): AppDatabase {
    const { db } = store;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    db.pragma('busy_timeout = 5000');
    const ids = new Set<string>();
    for (const m of migrations) {
      if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
      ids.add(m.id);
    }
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT');
    const applied = new Set(
      (db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id),
    );
    const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.id, Date.now());
      })();
      logger?.info({ migration: m.id }, 'database migration applied');
    }
    return store;
  }

  /**
   * Copies every committed page back into the main file and truncates the `-wal` file to zero
   * bytes, so rows deleted with `secure_delete` leave no copy in the WAL either. Call after
   * deleting anything that must really be gone (crypto-shredding).
   * @returns false when a reader kept the checkpoint from completing (try again later).
   */
  scrubWal(): boolean {
    const [row] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return row?.busy === 0;
  }

  /** Closes the connection (checkpointing the WAL). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }
}
