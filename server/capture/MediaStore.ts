import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { AppDatabase, SqliteDatabase } from '../store/AppDatabase.js';
import { CaptureError } from './CaptureError.js';
import type { FaceInPhoto, MediaItem, MediaKind, MediaStatus } from './captureTypes.js';
import { isMediaId } from './mediaId.js';

/** A position in a newest-first listing: items strictly older than this one come next. */
export interface MediaCursor {
  createdAt: number;
  id: string;
}

/** A page of a newest-first listing. */
export interface MediaPage {
  items: MediaItem[];
  /** Cursor of the next (older) page; null on the last page. */
  next: string | null;
}

/** What one owner's items take (see {@link MediaStore.owners}). */
export interface OwnerUsage {
  /** The owner; null: the items taken with the deployment token. */
  wallet: string | null;
  /** Bytes: stored sizes of finished items plus the current file size of recordings. */
  bytes: number;
  /** Creation time of the owner's newest item, ms since the Unix epoch. */
  newestAt: number;
}

/** The fields of a media item that change after it was created. */
export type MediaPatch = Partial<
  Pick<MediaItem, 'startedAt' | 'stoppedAt' | 'frames' | 'bytes' | 'status' | 'error' | 'width' | 'height'>
>;

interface Row {
  id: string;
  kind: MediaKind;
  camera_id: string;
  wallet: string | null;
  created_at: number;
  started_at: number | null;
  stopped_at: number | null;
  frames: number | null;
  bytes: number | null;
  width: number | null;
  height: number | null;
  status: MediaStatus;
  error: string | null;
  faces: string | null;
  file: string;
}

const COLUMNS: Record<keyof MediaPatch, string> = {
  startedAt: 'started_at',
  stoppedAt: 'stopped_at',
  frames: 'frames',
  bytes: 'bytes',
  status: 'status',
  error: 'error',
  width: 'width',
  height: 'height',
};

/** Cursor text: `<createdAt ms>-<id>`. */
const CURSOR = /^(\d{1,15})-([0-9a-f]{32})$/;

/**
 * Photos and recordings: metadata in SQLite (`media_items`, see captureMigrations.ts), files
 * under `<dataDir>/media/<camera>/<id>.<jpg|mp4>`. File names are made here from the
 * server-generated id and the configured camera id, never from user input, and every path is
 * checked to lie inside the media folder. Folders are created with mode 0700.
 */
export class MediaStore {
  /** `<dataDir>/media`, absolute. */
  readonly mediaDir: string;
  readonly #db: SqliteDatabase;

  /**
   * @param opts.db the server's database, opened with `captureMigrations`.
   * @param opts.dataDir the data directory; media go to `<dataDir>/media` (created if missing).
   */
  constructor(opts: { db: AppDatabase; dataDir: string }) {
    this.#db = opts.db.db;
    this.mediaDir = resolve(opts.dataDir, 'media');
    mkdirSync(this.mediaDir, { recursive: true, mode: 0o700 });
  }

  /** Parses a listing cursor. @returns undefined when `text` is not one. */
  static parseCursor(text: string): MediaCursor | undefined {
    const match = CURSOR.exec(text);
    if (!match) return undefined;
    return { createdAt: Number(match[1]), id: match[2]! };
  }

  /** The cursor that lists the items older than `item`. */
  static cursorOf(item: Pick<MediaItem, 'createdAt' | 'id'>): string {
    return `${item.createdAt}-${item.id}`;
  }

  /**
   * The file of a new item: `<camera>/<id>.<ext>` (the camera's folder is created).
   * @returns the path relative to the media folder and the absolute one.
   * @throws TypeError when the id or camera id could make a path outside the media folder.
   */
  newFile(cameraId: string, id: string, ext: 'jpg' | 'mp4'): { file: string; path: string } {
    if (!isMediaId(id)) throw new TypeError(`not a media id: ${id}`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(cameraId)) throw new TypeError(`camera id unusable in a path: ${cameraId}`);
    mkdirSync(join(this.mediaDir, cameraId), { recursive: true, mode: 0o700 });
    const file = `${cameraId}/${id}.${ext}`;
    return { file, path: this.pathOf({ file }) };
  }

  /**
   * Absolute path of an item's file.
   * @throws Error when the stored name would lead outside the media folder (a corrupted row).
   */
  pathOf(item: Pick<MediaItem, 'file'>): string {
    const path = resolve(this.mediaDir, item.file);
    if (!path.startsWith(this.mediaDir + sep)) throw new Error(`media file outside the media folder: ${item.file}`);
    return path;
  }

  /** Size of an item's file now, bytes; undefined when there is no file. */
  fileSize(item: Pick<MediaItem, 'file'>): number | undefined {
    return statSync(this.pathOf(item), { throwIfNoEntry: false })?.size;
  }

  /** Last modification of an item's file, ms since the Unix epoch; undefined when there is no file. */
  fileModifiedAt(item: Pick<MediaItem, 'file'>): number | undefined {
    const stat = statSync(this.pathOf(item), { throwIfNoEntry: false });
    return stat === undefined ? undefined : Math.floor(stat.mtimeMs);
  }

  /**
   * Adds an item.
   * @throws SqliteError on a repeated id or file name, or a constraint violation.
   */
  insert(item: MediaItem): MediaItem {
    this.#db
      .prepare(
        `INSERT INTO media_items (id, kind, camera_id, wallet, created_at, started_at, stopped_at, frames, bytes,
           width, height, status, error, faces, file)
         VALUES (@id, @kind, @cameraId, @wallet, @createdAt, @startedAt, @stoppedAt, @frames, @bytes,
           @width, @height, @status, @error, @faces, @file)`,
      )
      .run({ ...item, faces: item.faces === null ? null : JSON.stringify(item.faces) });
    return item;
  }

  /** The item with this id, if any (a malformed id finds nothing). */
  get(id: string): MediaItem | undefined {
    if (!isMediaId(id)) return undefined;
    const row = this.#db.prepare('SELECT * FROM media_items WHERE id = ?').get(id) as Row | undefined;
    return row && toItem(row);
  }

  /**
   * Changes an item's fields.
   * @returns the item after the change; undefined when it does not exist.
   */
  update(id: string, patch: MediaPatch): MediaItem | undefined {
    const keys = (Object.keys(patch) as (keyof MediaPatch)[]).filter((k) => patch[k] !== undefined);
    if (keys.length > 0) {
      const set = keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ');
      this.#db.prepare(`UPDATE media_items SET ${set} WHERE id = @id`).run({ ...pick(patch, keys), id });
    }
    return this.get(id);
  }

  /**
   * A page of items of one kind, newest first (by creation time, then id).
   * @param query.wallet only this owner's items; undefined: every owner's (the operator).
   * @param query.limit page size, 1..100.
   * @param query.before list the items older than this cursor's.
   */
  list(query: { kind: MediaKind; wallet?: string; limit: number; before?: MediaCursor }): MediaPage {
    const where = ['kind = @kind'];
    if (query.wallet !== undefined) where.push('wallet = @wallet');
    if (query.before) where.push('(created_at < @createdAt OR (created_at = @createdAt AND id < @id))');
    const rows = this.#db
      .prepare(`SELECT * FROM media_items WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`)
      .all({
        kind: query.kind,
        wallet: query.wallet ?? null,
        createdAt: query.before?.createdAt ?? 0,
        id: query.before?.id ?? '',
        limit: query.limit + 1,
      }) as Row[];
    const items = rows.slice(0, query.limit).map(toItem);
    const last = items.at(-1);
    return { items, next: rows.length > query.limit && last ? MediaStore.cursorOf(last) : null };
  }

  /** Items being recorded (status `recording`). */
  recording(): MediaItem[] {
    return (this.#db.prepare(`SELECT * FROM media_items WHERE status = 'recording'`).all() as Row[]).map(toItem);
  }

  /** Finished items (not `recording`), oldest first; those created before `createdBefore` when given. */
  finishedOldestFirst(createdBefore?: number): MediaItem[] {
    return (
      this.#db
        .prepare(
          `SELECT * FROM media_items WHERE status != 'recording' AND created_at < @before
           ORDER BY created_at ASC, id ASC`,
        )
        .all({ before: createdBefore ?? Number.MAX_SAFE_INTEGER }) as Row[]
    ).map(toItem);
  }

  /**
   * Disk use of every item, bytes: the stored size of finished items plus the current file size
   * of the ones being recorded.
   */
  usage(): number {
    const { finished } = this.#db
      .prepare(`SELECT COALESCE(SUM(bytes), 0) AS finished FROM media_items WHERE status != 'recording'`)
      .get() as { finished: number };
    return finished + this.recording().reduce((sum, item) => sum + (this.fileSize(item) ?? 0), 0);
  }

  /**
   * Disk use of one owner, bytes: the stored size of its finished items plus the current file
   * size of the ones being recorded.
   * @param wallet the owner; null: the items taken with the deployment token (one owner).
   */
  usageOf(wallet: string | null): number {
    const { finished } = this.#db
      .prepare(
        `SELECT COALESCE(SUM(bytes), 0) AS finished FROM media_items WHERE wallet IS @wallet AND status != 'recording'`,
      )
      .get({ wallet }) as { finished: number };
    return (
      finished +
      this.recording()
        .filter((item) => item.wallet === wallet)
        .reduce((sum, item) => sum + (this.fileSize(item) ?? 0), 0)
    );
  }

  /**
   * Disk use per owner (every wallet with an item, and null for the deployment token's items),
   * counted as {@link usageOf}, with the creation time of the owner's newest item.
   */
  owners(): OwnerUsage[] {
    const rows = this.#db
      .prepare(
        `SELECT wallet, COALESCE(SUM(CASE WHEN status != 'recording' THEN bytes END), 0) AS bytes,
           MAX(created_at) AS newest
         FROM media_items GROUP BY wallet`,
      )
      .all() as { wallet: string | null; bytes: number; newest: number }[];
    const owners = new Map(rows.map((r) => [r.wallet, { wallet: r.wallet, bytes: r.bytes, newestAt: r.newest }]));
    for (const item of this.recording()) {
      const owner = owners.get(item.wallet);
      if (owner) owner.bytes += this.fileSize(item) ?? 0;
    }
    return [...owners.values()];
  }

  /** One owner's finished items (not `recording`), oldest first. @param wallet null: the deployment token's. */
  finishedOldestFirstOf(wallet: string | null): MediaItem[] {
    return (
      this.#db
        .prepare(
          `SELECT * FROM media_items WHERE wallet IS @wallet AND status != 'recording' ORDER BY created_at ASC, id ASC`,
        )
        .all({ wallet }) as Row[]
    ).map(toItem);
  }

  /**
   * The photos `wallet` took (and still has) created at or after `since` (ms since the Unix epoch).
   * @returns how many, and the creation time of the oldest of them (null when none).
   */
  photosSince(wallet: string, since: number): { count: number; oldestAt: number | null } {
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) AS count, MIN(created_at) AS oldestAt FROM media_items
         WHERE wallet = @wallet AND kind = 'photo' AND created_at >= @since`,
      )
      .get({ wallet, since }) as { count: number; oldestAt: number | null };
    return row;
  }

  /**
   * Removes an item whatever its status, file and row (a recording that never started).
   * @throws the file-system error when the file cannot be removed.
   */
  discard(id: string): void {
    const item = this.get(id);
    if (!item) return;
    rmSync(this.pathOf(item), { force: true });
    this.#db.prepare('DELETE FROM media_items WHERE id = ?').run(id);
  }

  /**
   * Deletes an item: its file, then its row.
   * @returns the deleted item; undefined when there is none with this id.
   * @throws CaptureError `in_progress` for an item still being recorded.
   * @throws the file-system error when the file cannot be removed (the row stays).
   */
  delete(id: string): MediaItem | undefined {
    const item = this.get(id);
    if (!item) return undefined;
    if (item.status === 'recording') {
      throw new CaptureError('in_progress', `${item.kind} ${id} is still being recorded: stop it first`, 'id');
    }
    rmSync(this.pathOf(item), { force: true });
    this.#db.prepare(`DELETE FROM media_items WHERE id = ? AND status != 'recording'`).run(id);
    return item;
  }
}

function toItem(row: Row): MediaItem {
  return {
    id: row.id,
    kind: row.kind,
    cameraId: row.camera_id,
    wallet: row.wallet,
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    frames: row.frames,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    status: row.status,
    error: row.error,
    faces: row.faces === null ? null : (JSON.parse(row.faces) as FaceInPhoto[]),
    file: row.file,
  };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = source[k];
  return out;
}
