import type { Migration } from '../store/Migration.js';

/**
 * Sessions: one open session per wallet per camera (a partial unique index), opened by a
 * Sign-In With Solana or by a check-in seen on chain, carrying that wallet's check-in state and
 * consent; refresh tokens stored only as SHA-256 hashes, single use (spent ones marked, for reuse
 * detection).
 */
export const sessionMigrations: readonly Migration[] = [
  {
    id: 'sessions/001-create',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        camera_id TEXT NOT NULL,
        wallet TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'operator')),
        source TEXT NOT NULL CHECK (source IN ('signin', 'chain')),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT,
        checked_in_at INTEGER,
        checkin_signature TEXT,
        show_name INTEGER,
        keep_enrolment INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX sessions_open ON sessions (camera_id, wallet) WHERE ended_at IS NULL;
      CREATE INDEX sessions_camera ON sessions (camera_id, ended_at);
      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
    `,
  },
  {
    // Spent refresh tokens are remembered (newest few per session) to detect their reuse.
    id: 'sessions/002-refresh-spent',
    sql: 'ALTER TABLE refresh_tokens ADD COLUMN spent_at INTEGER;',
  },
];
