import { createHash } from 'node:crypto';
import { BadRequestError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import {
  type AuditAppend,
  type AuditEntry,
  type AuditResult,
  type AuditVerifyResult,
  MAX_AUDIT_DETAIL_BYTES,
} from './AuditLogTypes.js';
import { canonicalJson } from './canonicalJson.js';
import { checkName, checkText } from './validate.js';

/** `prev_hash` of the first row: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const RESULTS: readonly AuditResult[] = ['ok', 'denied', 'error'];

/** The default and largest `limit` of {@link AuditLog.list}. */
const LIST_DEFAULT = 100;
const LIST_MAX = 1000;

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  wallet: string | null;
  action: string;
  result: AuditResult;
  detail: string;
  prev_hash: string;
  hash: string;
}

/**
 * The append-only, hash-chained audit log of biometric operations (table `audit_log`).
 *
 * Each row holds `seq` (1, 2, 3… without gaps), `at` (ms since the epoch), `actor`, `wallet`,
 * `action`, `result`, `detail` (canonical JSON, RFC 8785) and
 *
 *     hash = hex(SHA-256(prev_hash || canonicalJson({ seq, at, actor, wallet, action, result, detail })))
 *
 * where `prev_hash` is the previous row's `hash` as 64 lowercase hex characters (64 zeros for
 * seq 1), `||` is concatenation of the UTF-8 bytes, and `detail` inside the hashed object is the
 * parsed object. A row can be re-checked by hand: `printf '%s%s' PREV JSON | sha256sum`.
 *
 * Append-only twice over: triggers abort any UPDATE or DELETE in SQL, and {@link verify} finds an
 * edited row (its hash no longer matches), a deleted row (a gap in seq) and reordered rows (the
 * stored `prev_hash` or the seq inside the hash no longer matches). What the chain cannot show
 * is the removal of the newest rows; keep the head hash ({@link AuditVerifyResult.head})
 * somewhere else to detect that.
 *
 * `detail` must never hold biometric bytes (see {@link AuditAppend.detail}): this log is never
 * purged. Appends nest inside a caller's transaction (as a savepoint) and are rolled back with it.
 */
export class AuditLog {
  readonly #database: AppDatabase;
  readonly #now: () => number;

  /** @param now clock, ms since the epoch (default `Date.now`). */
  constructor(database: AppDatabase, now: () => number = Date.now) {
    this.#database = database;
    this.#now = now;
  }

  /**
   * Appends one entry, chained to the newest row.
   * @returns its seq and hash (64 hex digits).
   * @throws BadRequestError(message, field) for an actor, wallet, action, result or detail that is
   *   malformed (detail: not a plain JSON object, binary data, or over 1024 bytes).
   */
  append(entry: AuditAppend): { seq: number; hash: string } {
    const actor = checkText(entry.actor, 'actor', 128);
    const wallet = entry.wallet === null ? null : checkText(entry.wallet, 'wallet', 64);
    const action = checkName(entry.action, 'action', 64);
    if (!RESULTS.includes(entry.result)) {
      throw new BadRequestError(`result must be one of ${RESULTS.join(', ')}`, 'result');
    }
    const detail = entry.detail ?? {};
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      throw new BadRequestError('detail must be an object', 'detail');
    }
    let detailJson: string;
    try {
      detailJson = canonicalJson(detail, 'detail');
    } catch (error) {
      throw new BadRequestError((error as Error).message, 'detail');
    }
    const bytes = Buffer.byteLength(detailJson, 'utf8');
    if (bytes > MAX_AUDIT_DETAIL_BYTES) {
      throw new BadRequestError(`detail is ${bytes} bytes of JSON, over ${MAX_AUDIT_DETAIL_BYTES}`, 'detail');
    }
    const db = this.#database.db;
    return db.transaction(() => {
      const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const at = Math.floor(this.#now());
      const hash = entryHash(prevHash, { seq, at, actor, wallet, action, result: entry.result, detail });
      db.prepare(
        `INSERT INTO audit_log (seq, at, actor, wallet, action, result, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(seq, at, actor, wallet, action, entry.result, detailJson, prevHash, hash);
      return { seq, hash };
    })();
  }

  /**
   * Re-checks the whole chain, oldest row first, and stops at the first row that fails: a seq
   * gap (a deleted row), a `prev_hash` that is not the previous row's hash (rows deleted,
   * reordered or inserted), a `detail` that is not canonical JSON, or a hash that does not match
   * the row's content (an edited row). An empty log verifies.
   */
  verify(): AuditVerifyResult {
    const rows = this.#database.db
      .prepare('SELECT * FROM audit_log ORDER BY seq')
      .iterate() as IterableIterator<AuditRow>;
    let checked = 0;
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    const bad = (seq: number, reason: string): AuditVerifyResult => {
      rows.return?.();
      return { ok: false, rows: checked, firstBadSeq: seq, reason, ...(checked > 0 ? { head: prevHash } : {}) };
    };
    for (const row of rows) {
      if (row.seq !== prevSeq + 1) {
        return bad(prevSeq + 1, `seq ${prevSeq + 1} is missing (deleted): seq ${prevSeq} is followed by ${row.seq}`);
      }
      if (row.prev_hash !== prevHash) {
        return bad(row.seq, `seq ${row.seq}: prev_hash is not the hash of seq ${prevSeq} (rows removed or reordered)`);
      }
      let detail: unknown;
      try {
        detail = JSON.parse(row.detail);
      } catch {
        // The parser's position adds nothing: the row is bad either way.
        return bad(row.seq, `seq ${row.seq}: detail is not JSON (edited)`);
      }
      let canonical: string | undefined;
      try {
        canonical = canonicalJson(detail, 'detail');
      } catch {
        canonical = undefined; // e.g. a number JSON.parse reads as Infinity: not what append wrote
      }
      if (canonical !== row.detail || typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        return bad(row.seq, `seq ${row.seq}: detail is not a canonical JSON object (edited)`);
      }
      const hash = entryHash(row.prev_hash, { ...row, detail });
      if (hash !== row.hash) return bad(row.seq, `seq ${row.seq}: hash does not match the row's content (edited)`);
      checked += 1;
      prevSeq = row.seq;
      prevHash = row.hash;
    }
    return { ok: true, rows: checked, ...(checked > 0 ? { head: prevHash } : {}) };
  }

  /**
   * The newest entries, newest first.
   * @param opts.wallet only this wallet's entries.
   * @param opts.limit how many, 1 to 1000 (default 100).
   * @throws BadRequestError for a limit out of range.
   */
  list(opts: { wallet?: string; limit?: number } = {}): AuditEntry[] {
    const limit = opts.limit ?? LIST_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw new BadRequestError(`limit must be an integer from 1 to ${LIST_MAX}`, 'limit');
    }
    const db = this.#database.db;
    const rows = (
      opts.wallet === undefined
        ? db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit)
        : db.prepare('SELECT * FROM audit_log WHERE wallet = ? ORDER BY seq DESC LIMIT ?').all(opts.wallet, limit)
    ) as AuditRow[];
    return rows.map((row) => ({
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      wallet: row.wallet,
      action: row.action,
      result: row.result,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
      prevHash: row.prev_hash,
      hash: row.hash,
    }));
  }
}

/** The chain hash of one row (see {@link AuditLog}). */
function entryHash(
  prevHash: string,
  row: {
    seq: number;
    at: number;
    actor: string;
    wallet: string | null;
    action: string;
    result: string;
    detail: unknown;
  },
): string {
  const { seq, at, actor, wallet, action, result, detail } = row;
  const json = canonicalJson({ seq, at, actor, wallet, action, result, detail });
  return createHash('sha256').update(prevHash, 'utf8').update(json, 'utf8').digest('hex');
}
