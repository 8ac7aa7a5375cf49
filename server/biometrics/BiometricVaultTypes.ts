import type { Logger } from 'pino';
import type { AppDatabase } from '../store/AppDatabase.js';
import type { AuditLog } from './AuditLog.js';

/** What `BiometricVault` is built from. */
export interface BiometricVaultOptions {
  /** Opened with `biometricsMigrations` applied. */
  database: AppDatabase;
  /** 32 bytes, from `loadOrCreateMasterKey`; the vault keeps a copy. */
  masterKey: Buffer;
  /** Where every operation is recorded; on the same database. */
  audit: AuditLog;
  /** `storage.dataDir`; package files go under `<dataDir>/packages/<wallet>/`. */
  dataDir: string;
  /** Clock, ms since the Unix epoch (default `Date.now`). */
  now?: () => number;
  /** Largest payload accepted by `put` and `createPackage`, bytes (default 1 MiB). */
  maxPayloadBytes?: number;
  logger: Logger;
}

/** Options of `BiometricVault.put`. */
export interface PutOptions {
  /** Who asked (`user:<wallet>`, `operator:<wallet>`, `system:<task>`); recorded in the audit log. */
  actor: string;
  /**
   * Temporary data: purged this many ms after it was stored (by `purgeExpired`), and no longer
   * returned once expired. Absent: kept until the wallet's data is purged.
   */
  ttlMs?: number;
}

/** Options of `BiometricVault.purge`. */
export interface PurgeOptions {
  /** Who asked; recorded in the audit log. */
  actor: string;
  /** Why, e.g. `checkout <signature>`; recorded in the audit log; at most 256 characters. */
  reason: string;
}

/** One stored blob, without its content. */
export interface BlobInfo {
  /** UUID. */
  id: string;
  kind: string;
  /** ms since the Unix epoch. */
  createdAt: number;
  /** ms since the Unix epoch; null for kept data. */
  expiresAt: number | null;
  /** Payload length, bytes. */
  bytes: number;
}

/** What the vault holds of one wallet, by kind, without any content (`BiometricVault.holdings`). */
export interface BiometricHoldings {
  /** One entry per kind of readable blob (temporary ones not yet expired), by kind name. */
  kinds: {
    kind: string;
    count: number;
    /** Sum of payload lengths, bytes. */
    bytes: number;
    /** Oldest and newest blob of the kind, ms since the Unix epoch. */
    firstCreatedAt: number;
    lastCreatedAt: number;
    /** Soonest expiry among the kind's temporary blobs, ms since the Unix epoch; null when all are kept. */
    nextExpiresAt: number | null;
  }[];
  /** Embedding package files (`createPackage`) held for the wallet. */
  packages: number;
  /** Whether a wrapped data key is stored for the wallet. */
  key: boolean;
}

/** What `BiometricVault.purge` removed. */
export interface PurgeResult {
  /** Blob rows deleted. */
  blobs: number;
  /** Whether the wrapped data key row was deleted. */
  key: boolean;
  /** Package files deleted. */
  packages: number;
}

/** Kinds of item the vault holds: encrypted blobs, wrapped data keys (one per wallet), package files. */
export type VaultItemKind = 'blob' | 'key' | 'package';

/**
 * What `BiometricVault.stats` reports (server/metrics/BiometricsMetrics.ts): counts over every
 * wallet, never per wallet.
 */
export interface BiometricVaultStats {
  /**
   * Wallets purged since the vault was created: `wallet` by `purge` (check-out, the owner's or the
   * operator's request), `expired` by `purgeExpired` (a wallet whose temporary data expired). A
   * purge inside a caller's transaction counts even if that transaction rolls back later.
   */
  purges: { wallet: number; expired: number };
  /** Items deleted by those purges, by kind. */
  purged: Record<VaultItemKind, number>;
  /** Items held now, by kind (expired blobs awaiting the sweep included). */
  held: Record<VaultItemKind, number>;
}

/** Metadata of `BiometricVault.createPackage`. */
export interface PackageMeta {
  /** What the payload is, e.g. `face-embedding`: 1 to 64 letters, digits, `.`, `_`, `-`, `:`. */
  kind: string;
  /** The camera that captured it (same alphabet as `kind`). */
  cameraId: string;
  /** The model that computed it, e.g. `arcface-r100`; free text, at most 128 characters. */
  model?: string;
  /** Who asked; recorded in the audit log. */
  actor: string;
}

/** The package file format's identifier. */
export const PACKAGE_FORMAT = 'ecs-biometric-package/1';

/**
 * The package file (the "NFT package"): JSON, written without whitespace in this key order.
 * `ciphertext` is AES-256-GCM (NIST SP 800-38D) under the wallet's data key, with the associated
 * data being the canonical JSON (RFC 8785) of `{ format, wallet, cameraId, kind, model, createdAt,
 * cipher }`, so none of these can be altered without the tag failing. `iv` (12 bytes), `tag`
 * (16 bytes) and `ciphertext` (as long as the payload) are base64 (RFC 4648 §4, padded).
 */
export interface PackageDocument {
  format: typeof PACKAGE_FORMAT;
  wallet: string;
  cameraId: string;
  kind: string;
  /** null when not given. */
  model: string | null;
  /** ISO 8601 UTC, ms precision. */
  createdAt: string;
  cipher: 'AES-256-GCM';
  iv: string;
  tag: string;
  ciphertext: string;
}

/** A package as created. */
export interface EmbeddingPackage {
  /** The exact bytes written to the file (UTF-8 JSON). */
  json: string;
  /** sha256 of `json`'s bytes, 64 lowercase hex characters; the file's name. */
  sha256: string;
  /** Absolute path of the file: `<dataDir>/packages/<wallet>/<sha256>.json`. */
  path: string;
  /** `ecs-package:<sha256>`, the reference that may go on chain (it reveals nothing biometric). */
  uri: string;
}
