import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BadRequestError, NotFoundError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import { KEY_BYTES, open, seal } from './aesGcm.js';
import type { AuditLog } from './AuditLog.js';
import { BiometricIntegrityError } from './BiometricIntegrityError.js';
import {
  type BiometricVaultStats,
  type BiometricVaultOptions,
  type BiometricHoldings,
  type BlobInfo,
  type EmbeddingPackage,
  PACKAGE_FORMAT,
  type PackageDocument,
  type PackageMeta,
  type PurgeOptions,
  type PurgeResult,
  type PutOptions,
} from './BiometricVaultTypes.js';
import { canonicalJson } from './canonicalJson.js';
import { checkName, checkText, checkWallet } from './validate.js';
import { writeFileAtomic } from '../../media/core/writeFileAtomic.js';

/** The default largest payload `put` and `createPackage` accept, bytes (1 MiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

/** The actor `purgeExpired` records in the audit log. */
export const EXPIRY_ACTOR = 'system:expiry';

/** How often a WAL scrub that could not run (open transaction, busy reader) is retried, and how far apart (ms). */
const SCRUB_RETRIES = 50;
const SCRUB_RETRY_MS = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const PACKAGE_FILE = /^[0-9a-f]{64}\.json$/;

/** A package's fields other than the encryption output. */
type PackageHeader = Omit<PackageDocument, 'iv' | 'tag' | 'ciphertext'>;

interface KeyRow {
  wrapped_key: Buffer;
  iv: Buffer;
  tag: Buffer;
}

interface BlobRow {
  kind: string;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  expires_at: number | null;
}

/**
 * The encrypted biometric store (tables `biometric_keys`, `biometric_blobs`; package files under
 * `<dataDir>/packages/<wallet>/`).
 *
 * Encryption (AES-256-GCM, NIST SP 800-38D, 96-bit random IVs, 128-bit tags, `node:crypto`):
 * - each wallet has a random 32-byte data key, stored only wrapped: encrypted under the master
 *   key with the wallet address (UTF-8) as associated data, so a wrapped key copied to another
 *   wallet's row does not open;
 * - a blob is encrypted under its wallet's data key with `blob\0<wallet>\0<id>\0<kind>` (UTF-8)
 *   as associated data, so a ciphertext moved to another row, wallet or kind does not open;
 * - a package is encrypted under the same data key with the canonical JSON (RFC 8785) of its
 *   header fields (`format`, `wallet`, `cameraId`, `kind`, `model`, `createdAt`, `cipher`) as
 *   associated data, so its metadata cannot be altered either.
 * With random IVs one key may encrypt at most 2^32 messages (SP 800-38D §8.3); a data key
 * serves one wallet, far below that.
 *
 * Purge is crypto-shredding: the wallet's blobs, its wrapped key and its package files are
 * deleted, and the WAL is truncated (`secure_delete` zeroes the freed pages), so neither the
 * ciphertext nor the wrapped key remains in the data directory. The data key is random, never
 * derived, so nothing can recreate it. Package files are unlinked, not overwritten: blocks the
 * file system keeps hold only ciphertext whose key is gone.
 *
 * Every operation that touches content (put, get, purge, purgeExpired, createPackage,
 * readPackage), failures included, appends an {@link AuditLog} entry in the same transaction as
 * the change (a failure's entry after the rollback). Audit details carry ids, kinds, sizes and
 * hashes, never content. `list` and `hasData` read metadata only and are not audited.
 *
 * All methods are synchronous and may run inside a caller's better-sqlite3 transaction (they
 * nest as savepoints); see {@link purge} for what that changes.
 */
export class BiometricVault {
  readonly #database: AppDatabase;
  readonly #masterKey: Buffer;
  readonly #audit: AuditLog;
  readonly #packagesDir: string;
  readonly #now: () => number;
  readonly #maxPayloadBytes: number;
  readonly #logger: Logger;
  #pendingScrub: Promise<void> | undefined;
  readonly #purges = { wallet: 0, expired: 0 };
  readonly #purged = { blob: 0, key: 0, package: 0 };

  /**
   * @throws TypeError when the master key is not 32 bytes or `maxPayloadBytes` is not a positive integer.
   */
  constructor(opts: BiometricVaultOptions) {
    if (!(opts.masterKey instanceof Uint8Array) || opts.masterKey.length !== KEY_BYTES) {
      throw new TypeError(`masterKey must be ${KEY_BYTES} bytes`);
    }
    const maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
      throw new TypeError('maxPayloadBytes must be a positive integer');
    }
    this.#database = opts.database;
    this.#masterKey = Buffer.from(opts.masterKey);
    this.#audit = opts.audit;
    this.#packagesDir = join(opts.dataDir, 'packages');
    this.#now = opts.now ?? Date.now;
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#logger = opts.logger.child({ module: 'biometrics' });
  }

  /**
   * Encrypts and stores a payload (an embedding, a face crop…) for `wallet`, creating the
   * wallet's data key on its first use.
   * @param kind what the payload is (`embedding`, `face`…): 1 to 64 of letters, digits, `._:-`.
   * @param payload 1 byte to `maxPayloadBytes` (default 1 MiB); a float32 embedding as its bytes
   *   (`new Uint8Array(f32.buffer)`).
   * @param opts.actor who stores it (audit), e.g. `system:enrol`, `user:<wallet>`.
   * @param opts.ttlMs temporary data: purged by `purgeExpired` this many ms from now; omit for
   *   data kept until the wallet is purged.
   * @returns the blob id (a UUID).
   * @throws BadRequestError(message, field) for a malformed wallet, kind, payload, ttlMs or actor.
   * @throws BiometricIntegrityError when the wallet's wrapped key does not open (wrong master key).
   */
  put(wallet: string, kind: string, payload: Uint8Array, opts: PutOptions): string {
    const actor = checkText(opts?.actor, 'actor', 128);
    return this.#audited(actor, wallet, 'biometrics.put', { kind: String(kind).slice(0, 64) }, () => {
      checkWallet(wallet);
      checkName(kind, 'kind');
      const data = this.#checkPayload(payload);
      const ttlMs = opts.ttlMs;
      if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1)) {
        throw new BadRequestError('ttlMs must be a positive integer (ms)', 'ttlMs');
      }
      const now = this.#now();
      const expiresAt = ttlMs === undefined ? null : now + ttlMs;
      const id = randomUUID();
      const key = this.#dataKey(wallet, now);
      let sealed;
      try {
        sealed = seal(key, data, blobAad(wallet, id, kind));
      } finally {
        key.fill(0);
      }
      this.#database.db
        .prepare(
          `INSERT INTO biometric_blobs (id, wallet, kind, ciphertext, iv, tag, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, wallet, kind, sealed.ciphertext, sealed.iv, sealed.tag, now, expiresAt);
      return { value: id, detail: { id, kind, bytes: data.length, expiresAt } };
    });
  }

  /**
   * Decrypts one blob of `wallet`. A temporary blob past its expiry is not returned.
   * @param actor who reads it (audit).
   * @returns a new `Uint8Array` holding the payload.
   * @throws NotFoundError when the wallet has no such blob (or it expired).
   * @throws BiometricIntegrityError when AES-256-GCM authentication fails: the stored ciphertext,
   *   IV, tag, wallet, id or kind was altered, or the wrapped key does not open.
   * @throws BadRequestError for a malformed wallet, id or actor.
   */
  get(wallet: string, id: string, actor: string): Uint8Array {
    const who = checkText(actor, 'actor', 128);
    return this.#audited(who, wallet, 'biometrics.get', { id: String(id).slice(0, 64) }, () => {
      checkWallet(wallet);
      if (typeof id !== 'string' || !UUID.test(id)) throw new BadRequestError('id is not a blob id (a UUID)', 'id');
      const row = this.#database.db
        .prepare('SELECT kind, ciphertext, iv, tag, expires_at FROM biometric_blobs WHERE id = ? AND wallet = ?')
        .get(id, wallet) as BlobRow | undefined;
      if (!row || (row.expires_at !== null && row.expires_at <= this.#now())) {
        throw new NotFoundError(`wallet ${wallet} has no biometric blob ${id}`);
      }
      const key = this.#existingDataKey(wallet);
      if (!key) throw new BiometricIntegrityError(`wallet ${wallet} has a blob but no data key`, 'wrapped-key');
      let plain: Buffer;
      try {
        plain = open(key, row, blobAad(wallet, id, row.kind), 'blob');
      } finally {
        key.fill(0);
      }
      return { value: takeBytes(plain), detail: { id, kind: row.kind, bytes: row.ciphertext.length } };
    });
  }

  /**
   * The wallet's blobs that can be read (temporary ones not yet expired), oldest first. No
   * content, no audit entry.
   * @throws BadRequestError for a malformed wallet.
   */
  list(wallet: string): BlobInfo[] {
    checkWallet(wallet);
    const rows = this.#database.db
      .prepare(
        `SELECT id, kind, created_at, expires_at, length(ciphertext) AS bytes FROM biometric_blobs
         WHERE wallet = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id`,
      )
      .all(wallet, this.#now()) as {
      id: string;
      kind: string;
      created_at: number;
      expires_at: number | null;
      bytes: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      bytes: r.bytes,
    }));
  }

  /**
   * What is held of `wallet`, grouped by kind: counts, sizes, creation and expiry times, the
   * package count and whether a data key exists. Never any content; no audit entry (nothing is
   * read). Built from {@link list}, so expired temporary blobs awaiting the sweep are left out.
   * @throws BadRequestError for a malformed wallet.
   */
  holdings(wallet: string): BiometricHoldings {
    const byKind = new Map<string, BiometricHoldings['kinds'][number]>();
    for (const blob of this.list(wallet)) {
      const entry = byKind.get(blob.kind);
      if (!entry) {
        byKind.set(blob.kind, {
          kind: blob.kind,
          count: 1,
          bytes: blob.bytes,
          firstCreatedAt: blob.createdAt,
          lastCreatedAt: blob.createdAt,
          nextExpiresAt: blob.expiresAt,
        });
        continue;
      }
      entry.count += 1;
      entry.bytes += blob.bytes;
      entry.firstCreatedAt = Math.min(entry.firstCreatedAt, blob.createdAt);
      entry.lastCreatedAt = Math.max(entry.lastCreatedAt, blob.createdAt);
      if (blob.expiresAt !== null) {
        entry.nextExpiresAt =
          entry.nextExpiresAt === null ? blob.expiresAt : Math.min(entry.nextExpiresAt, blob.expiresAt);
      }
    }
    const key = this.#database.db.prepare('SELECT 1 FROM biometric_keys WHERE wallet = ?').get(wallet) !== undefined;
    return { kinds: [...byKind.values()], packages: this.#packageFiles(wallet).length, key };
  }

  /**
   * Whether anything of `wallet` is held: a blob (expired ones awaiting the sweep included), its
   * wrapped key, or a package file; that is, whether `purge` would delete something.
   * @throws BadRequestError for a malformed wallet.
   */
  hasData(wallet: string): boolean {
    checkWallet(wallet);
    const db = this.#database.db;
    return (
      db.prepare('SELECT 1 FROM biometric_blobs WHERE wallet = ? LIMIT 1').get(wallet) !== undefined ||
      db.prepare('SELECT 1 FROM biometric_keys WHERE wallet = ?').get(wallet) !== undefined ||
      this.#packageFiles(wallet).length > 0
    );
  }

  /**
   * Purges since the vault was created and items held now, over every wallet (two `COUNT(*)`
   * queries and a listing of the package folders). No content, no audit entry.
   */
  stats(): BiometricVaultStats {
    const db = this.#database.db;
    const count = (table: string): number =>
      (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    const wallets = existsSync(this.#packagesDir) ? readdirSync(this.#packagesDir) : [];
    const packages = wallets.reduce((n, wallet) => n + this.#packageFiles(wallet).length, 0);
    return {
      purges: { ...this.#purges },
      purged: { ...this.#purged },
      held: { blob: count('biometric_blobs'), key: count('biometric_keys'), package: packages },
    };
  }

  /**
   * Crypto-shredding of one wallet: deletes its blobs, its wrapped data key and its package
   * files, then truncates the WAL (`database.scrubWal()`), so that neither ciphertext nor wrapped
   * key remains anywhere in the data directory (`.db`, `-wal`, `-shm`). Purging a wallet with
   * nothing stored is not an error (all counts 0), and is audited too.
   *
   * Inside a caller's transaction (the chain watcher purges inside its own): the deletes nest as
   * a savepoint and commit or roll back with the caller's transaction, but a WAL checkpoint
   * cannot complete while a transaction is open, so the scrub is deferred with `setImmediate`
   * (better-sqlite3 transactions are synchronous, so the caller's has ended by then) and retried
   * while the database stays busy; {@link whenScrubbed} resolves once it ran. Package files are
   * removed at once either way: a rolled-back purge keeps the rows but not the files.
   * @param opts.actor who purges (audit); opts.reason why, e.g. `checkout <signature>` (audit, at
   *   most 256 characters).
   * @throws BadRequestError for a malformed wallet, actor or reason.
   */
  purge(wallet: string, opts: PurgeOptions): PurgeResult {
    const actor = checkText(opts?.actor, 'actor', 128);
    const result = this.#audited(actor, wallet, 'biometrics.purge', {}, () => {
      checkWallet(wallet);
      const reason = checkText(opts.reason, 'reason', 256);
      const db = this.#database.db;
      const blobs = db.prepare('DELETE FROM biometric_blobs WHERE wallet = ?').run(wallet).changes;
      const key = db.prepare('DELETE FROM biometric_keys WHERE wallet = ?').run(wallet).changes > 0;
      const packages = this.#removePackages(wallet);
      const value: PurgeResult = { blobs, key, packages };
      return { value, detail: { reason, ...value } };
    });
    this.#logger.info({ wallet, ...result }, 'biometric data purged');
    this.#purges.wallet += 1;
    this.#purged.blob += result.blobs;
    this.#purged.key += result.key ? 1 : 0;
    this.#purged.package += result.packages;
    this.#scrub();
    return result;
  }

  /**
   * Deletes temporary blobs whose expiry has passed (one audit entry per wallet, actor
   * `system:expiry`), and a wallet's data key once it has no blob and no package left; then
   * scrubs the WAL as `purge` does.
   * @returns how many blobs were deleted.
   */
  purgeExpired(): number {
    const db = this.#database.db;
    const now = this.#now();
    const wallets = db
      .prepare('SELECT DISTINCT wallet FROM biometric_blobs WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .all(now) as { wallet: string }[];
    let total = 0;
    for (const { wallet } of wallets) {
      const { blobs, key } = this.#audited(EXPIRY_ACTOR, wallet, 'biometrics.purge-expired', {}, () => {
        const blobs = db
          .prepare('DELETE FROM biometric_blobs WHERE wallet = ? AND expires_at IS NOT NULL AND expires_at <= ?')
          .run(wallet, now).changes;
        const left = db.prepare('SELECT 1 FROM biometric_blobs WHERE wallet = ? LIMIT 1').get(wallet) !== undefined;
        const key =
          !left &&
          this.#packageFiles(wallet).length === 0 &&
          db.prepare('DELETE FROM biometric_keys WHERE wallet = ?').run(wallet).changes > 0;
        return { value: { blobs, key }, detail: { blobs, key } };
      });
      total += blobs;
      this.#purges.expired += 1;
      this.#purged.blob += blobs;
      this.#purged.key += key ? 1 : 0;
    }
    if (wallets.length > 0) {
      this.#logger.info({ blobs: total, wallets: wallets.length }, 'expired biometric data purged');
      this.#scrub();
    }
    return total;
  }

  /**
   * Writes an "NFT package": the payload encrypted under the wallet's data key, as a JSON
   * document ({@link PackageDocument}, `format: 'ecs-biometric-package/1'`) in
   * `<dataDir>/packages/<wallet>/<sha256>.json` (temp file + rename, mode 0600, folders 0700).
   * Only its hash (`uri`) is meant for the chain; the file stays here and is deleted by `purge`.
   * Do not call it inside a transaction that may roll back: the file would outlive the data key
   * created with it.
   * @param meta.kind, meta.cameraId names (1 to 64 of letters, digits, `._:-`); meta.model the
   *   embedding model (free text, at most 128 characters); meta.actor who creates it (audit).
   * @returns the exact JSON, its SHA-256 (hex), the file path and `ecs-package:<sha256>`.
   * @throws BadRequestError for malformed input; file-system errors when the file cannot be written.
   */
  createPackage(wallet: string, payload: Uint8Array, meta: PackageMeta): EmbeddingPackage {
    const actor = checkText(meta?.actor, 'actor', 128);
    let written: string | undefined;
    try {
      return this.#audited(actor, wallet, 'biometrics.create-package', { kind: String(meta.kind).slice(0, 64) }, () => {
        checkWallet(wallet);
        const kind = checkName(meta.kind, 'kind');
        const cameraId = checkName(meta.cameraId, 'cameraId');
        const model = meta.model === undefined ? null : checkText(meta.model, 'model', 128);
        const data = this.#checkPayload(payload);
        const now = this.#now();
        const header: PackageHeader = {
          format: PACKAGE_FORMAT,
          wallet,
          cameraId,
          kind,
          model,
          createdAt: new Date(now).toISOString(),
          cipher: 'AES-256-GCM',
        };
        const key = this.#dataKey(wallet, now);
        let sealed;
        try {
          sealed = seal(key, data, packageAad(header));
        } finally {
          key.fill(0);
        }
        const doc: PackageDocument = {
          ...header,
          iv: sealed.iv.toString('base64'),
          tag: sealed.tag.toString('base64'),
          ciphertext: sealed.ciphertext.toString('base64'),
        };
        const json = JSON.stringify(doc);
        const sha256 = createHash('sha256').update(json, 'utf8').digest('hex');
        const dir = join(this.#packagesDir, wallet);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const path = join(dir, `${sha256}.json`);
        writeFileAtomic(path, json, 0o600);
        written = path;
        return {
          value: { json, sha256, path, uri: `ecs-package:${sha256}` },
          detail: { sha256, kind, cameraId, model, bytes: data.length },
        };
      });
    } catch (error) {
      // The transaction (and with it a data key created for this package) was rolled back: a
      // file left behind could never be opened.
      if (written) rmSync(written, { force: true });
      throw error;
    }
  }

  /**
   * Reads and decrypts a package of `wallet`, checking first that the file's bytes hash to its
   * name.
   * @param sha256 64 lowercase hex digits (the `uri` without `ecs-package:`).
   * @param actor who reads it (audit).
   * @returns a new `Uint8Array` holding the payload.
   * @throws NotFoundError when the wallet has no such package (or no data key any more).
   * @throws BiometricIntegrityError when the bytes do not hash to the name, the document is not a
   *   package of this wallet, or AES-256-GCM authentication fails.
   * @throws BadRequestError for a malformed wallet, sha256 or actor.
   */
  readPackage(wallet: string, sha256: string, actor: string): Uint8Array {
    const who = checkText(actor, 'actor', 128);
    return this.#audited(who, wallet, 'biometrics.read-package', { sha256: String(sha256).slice(0, 64) }, () => {
      checkWallet(wallet);
      if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
        throw new BadRequestError('sha256 must be 64 lowercase hex digits', 'sha256');
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(this.#packagesDir, wallet, `${sha256}.json`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new NotFoundError(`wallet ${wallet} has no package ${sha256}`);
        }
        throw error;
      }
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
        throw new BiometricIntegrityError(`package ${sha256}: the file's bytes do not hash to its name`, 'package');
      }
      const doc = parsePackage(bytes, wallet, sha256);
      const key = this.#existingDataKey(wallet);
      if (!key) throw new NotFoundError(`wallet ${wallet} has no data key (purged): package ${sha256} cannot be read`);
      const { iv, tag, ciphertext, ...header } = doc;
      let plain: Buffer;
      try {
        plain = open(
          key,
          {
            ciphertext: Buffer.from(ciphertext, 'base64'),
            iv: Buffer.from(iv, 'base64'),
            tag: Buffer.from(tag, 'base64'),
          },
          packageAad(header),
          'package',
        );
      } finally {
        key.fill(0);
      }
      return { value: takeBytes(plain), detail: { sha256, kind: doc.kind, bytes: plain.length } };
    });
  }

  /** Resolves once no WAL scrub deferred by `purge`/`purgeExpired` is pending (at once when none is). */
  whenScrubbed(): Promise<void> {
    return this.#pendingScrub ?? Promise.resolve();
  }

  /**
   * Runs `body` in a transaction that also appends the audit entry (result `ok`, `body`'s
   * detail); when anything throws, the transaction rolls back and an `error` entry (with `known`
   * and the error's name and message) is appended instead, then the error is rethrown.
   */
  #audited<T>(
    actor: string,
    wallet: unknown,
    action: string,
    known: Record<string, unknown>,
    body: () => { value: T; detail: Record<string, unknown> },
  ): T {
    const auditWallet = validWalletOrNull(wallet);
    try {
      return this.#database.db.transaction(() => {
        const { value, detail } = body();
        this.#audit.append({ actor, wallet: auditWallet, action, result: 'ok', detail });
        return value;
      })();
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      try {
        this.#audit.append({
          actor,
          wallet: auditWallet,
          action,
          result: 'error',
          detail: { ...known, error: err.name, message: err.message.slice(0, 300) },
        });
      } catch (auditError) {
        this.#logger.error(
          { err: auditError, action, failure: err.message },
          'audit entry of a failed operation not written',
        );
      }
      if (err instanceof BiometricIntegrityError) {
        this.#logger.error({ wallet: auditWallet, action, subject: err.subject }, 'biometric integrity check failed');
      }
      throw error;
    }
  }

  /** Checks a payload: a `Uint8Array` of 1 byte to `maxPayloadBytes`. */
  #checkPayload(payload: unknown): Uint8Array {
    if (!(payload instanceof Uint8Array)) throw new BadRequestError('payload must be a Uint8Array', 'payload');
    if (payload.length === 0) throw new BadRequestError('payload is empty', 'payload');
    if (payload.length > this.#maxPayloadBytes) {
      throw new BadRequestError(`payload is ${payload.length} bytes, over ${this.#maxPayloadBytes}`, 'payload');
    }
    return payload;
  }

  /** The wallet's data key (32 bytes; the caller zeroes it), created and stored wrapped when missing. */
  #dataKey(wallet: string, now: number): Buffer {
    const existing = this.#existingDataKey(wallet);
    if (existing) return existing;
    const key = randomBytes(KEY_BYTES);
    const wrapped = seal(this.#masterKey, key, Buffer.from(wallet, 'utf8'));
    this.#database.db
      .prepare('INSERT INTO biometric_keys (wallet, wrapped_key, iv, tag, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(wallet, wrapped.ciphertext, wrapped.iv, wrapped.tag, now);
    return key;
  }

  /** The wallet's unwrapped data key, or undefined when it has none. */
  #existingDataKey(wallet: string): Buffer | undefined {
    const row = this.#database.db
      .prepare('SELECT wrapped_key, iv, tag FROM biometric_keys WHERE wallet = ?')
      .get(wallet) as KeyRow | undefined;
    if (!row) return undefined;
    return open(
      this.#masterKey,
      { ciphertext: row.wrapped_key, iv: row.iv, tag: row.tag },
      Buffer.from(wallet, 'utf8'),
      'wrapped-key',
    );
  }

  #packageFiles(wallet: string): string[] {
    const dir = join(this.#packagesDir, wallet);
    return existsSync(dir) ? readdirSync(dir).filter((name) => PACKAGE_FILE.test(name)) : [];
  }

  /** Deletes the wallet's package folder (temp files included). @returns package files deleted. */
  #removePackages(wallet: string): number {
    const count = this.#packageFiles(wallet).length;
    rmSync(join(this.#packagesDir, wallet), { recursive: true, force: true });
    return count;
  }

  /** Truncates the WAL now, or later when a transaction is open or a reader keeps it busy. */
  #scrub(): void {
    if (!this.#database.db.inTransaction && this.#tryScrub()) return;
    if (this.#pendingScrub) return;
    this.#pendingScrub = new Promise<void>((resolve) => {
      const attempt = (tries: number): void => {
        const { db } = this.#database;
        // Closing the last connection checkpoints and removes the WAL itself.
        const done = !db.open || (!db.inTransaction && this.#tryScrub());
        if (done || tries >= SCRUB_RETRIES) {
          if (!done) {
            this.#logger.error(
              { tries },
              'WAL scrub after a biometric purge did not complete: deleted rows stay in the -wal file until the next checkpoint',
            );
          }
          this.#pendingScrub = undefined;
          resolve();
          return;
        }
        setTimeout(() => attempt(tries + 1), SCRUB_RETRY_MS).unref();
      };
      setImmediate(() => attempt(0));
    });
  }

  /** @returns whether the WAL was truncated. */
  #tryScrub(): boolean {
    try {
      return this.#database.scrubWal();
    } catch (error) {
      this.#logger.warn({ err: error }, 'WAL scrub failed; retrying');
      return false;
    }
  }
}

/** A blob's associated data: `blob\0<wallet>\0<id>\0<kind>` (none of the parts can hold NUL). */
function blobAad(wallet: string, id: string, kind: string): Buffer {
  return Buffer.from(`blob\0${wallet}\0${id}\0${kind}`, 'utf8');
}

/** A package's associated data: the canonical JSON of its header fields. */
function packageAad(header: PackageHeader): Buffer {
  const { format, wallet, cameraId, kind, model, createdAt, cipher } = header;
  return Buffer.from(canonicalJson({ format, wallet, cameraId, kind, model, createdAt, cipher }), 'utf8');
}

/** Copies a decrypted buffer into a fresh `Uint8Array` and zeroes the original. */
function takeBytes(plain: Buffer): Uint8Array {
  const copy = new Uint8Array(plain);
  plain.fill(0);
  return copy;
}

function validWalletOrNull(wallet: unknown): string | null {
  try {
    return checkWallet(wallet);
  } catch {
    // Not a wallet address: the audit entry records no wallet (the error names the problem).
    return null;
  }
}

/**
 * Parses a package file whose hash was checked.
 * @throws BiometricIntegrityError when it is not a package of `wallet`.
 */
function parsePackage(bytes: Buffer, wallet: string, sha256: string): PackageDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new BiometricIntegrityError(`package ${sha256} is not JSON`, 'package', { cause: error });
  }
  const d = doc as Partial<Record<keyof PackageDocument, unknown>>;
  const strings = ['wallet', 'cameraId', 'kind', 'createdAt', 'iv', 'tag', 'ciphertext'] as const;
  if (
    typeof doc !== 'object' ||
    doc === null ||
    d.format !== PACKAGE_FORMAT ||
    d.cipher !== 'AES-256-GCM' ||
    !(d.model === null || typeof d.model === 'string') ||
    strings.some((k) => typeof d[k] !== 'string')
  ) {
    throw new BiometricIntegrityError(`package ${sha256} is not an ${PACKAGE_FORMAT} document`, 'package');
  }
  if (d.wallet !== wallet) throw new BiometricIntegrityError(`package ${sha256} belongs to another wallet`, 'package');
  return doc as PackageDocument;
}
