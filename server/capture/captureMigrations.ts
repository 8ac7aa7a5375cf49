import type { Migration } from '../store/Migration.js';

/**
 * Photos and recordings: one row per media item, the file itself under
 * `<dataDir>/media/<camera>/<id>.<jpg|mp4>` (`file` is that path relative to `<dataDir>/media`,
 * made by the server from the id, never from user input). Times are ms since the Unix epoch.
 * - `id`: 32 lowercase hex characters (16 random bytes).
 * - `wallet`: the owner's wallet; NULL when taken with the deployment token (operator only).
 * - `started_at`: photo: capture time of the frame; video: wall clock of the first written frame
 *   (the request time until camerad reports it).
 * - `stopped_at`: video: end of the last written frame (interrupted: the file's last write).
 * - `status`: `recording` (being written: never deleted), `complete`, `interrupted` (camerad or
 *   the server stopped while recording: the file holds every fragment written before),
 *   `failed` (the recording branch failed, e.g. ENOSPC; `error` says why). A `complete` video
 *   the server stopped at its wallet's byte quota says so in `error`.
 * - `faces`: JSON array of the faces in frame when the photo was taken (NULL: analysis off).
 */
export const captureMigrations: readonly Migration[] = [
  {
    id: 'capture/001-create',
    sql: `
      CREATE TABLE media_items (
        id TEXT PRIMARY KEY CHECK (length(id) = 32),
        kind TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
        camera_id TEXT NOT NULL,
        wallet TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        stopped_at INTEGER,
        frames INTEGER,
        bytes INTEGER,
        width INTEGER,
        height INTEGER,
        status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted', 'failed')),
        error TEXT,
        faces TEXT,
        file TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX media_items_kind_created ON media_items (kind, created_at, id);
      CREATE INDEX media_items_wallet_created ON media_items (wallet, kind, created_at, id);
      CREATE INDEX media_items_status ON media_items (status);
    `,
  },
];
