import type { Migration } from '../store/Migration.js';

/**
 * Biometrics: per-wallet data keys stored only wrapped by the master key, AES-256-GCM blobs, and
 * the append-only, hash-chained audit log (see {@link BiometricVault} and {@link AuditLog}).
 *
 * - `biometric_keys`: one row per wallet; `wrapped_key` is the 32-byte data key encrypted under
 *   the master key (AAD: the wallet address), with its 12-byte `iv` and 16-byte `tag`.
 * - `biometric_blobs`: one row per stored payload, encrypted under the wallet's data key (AAD:
 *   wallet, blob id, kind); `created_at` and `expires_at` in ms since the epoch, `expires_at`
 *   NULL for data kept until purged.
 * - `audit_log`: `seq` 1, 2, 3…; `detail` is canonical JSON; `hash` = SHA-256 over `prev_hash`
 *   and the row (see AuditLog). Triggers make it append-only in SQL: UPDATE and DELETE abort.
 *
 * @see ./BiometricVault.ts
 * @see ./AuditLog.ts
 */
export const biometricsMigrations: readonly Migration[] = [
  {
    id: 'biometrics/001-create',
    sql: `
      CREATE TABLE biometric_keys (
        wallet TEXT PRIMARY KEY,
        wrapped_key BLOB NOT NULL CHECK (length(wrapped_key) = 32),
        iv BLOB NOT NULL CHECK (length(iv) = 12),
        tag BLOB NOT NULL CHECK (length(tag) = 16),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE biometric_blobs (
        id TEXT PRIMARY KEY,
        wallet TEXT NOT NULL REFERENCES biometric_keys (wallet),
        kind TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        iv BLOB NOT NULL CHECK (length(iv) = 12),
        tag BLOB NOT NULL CHECK (length(tag) = 16),
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX biometric_blobs_wallet ON biometric_blobs (wallet);
      CREATE INDEX biometric_blobs_expiry ON biometric_blobs (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        wallet TEXT,
        action TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'error')),
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_wallet ON audit_log (wallet, seq);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
    `,
  },
];
