/** How an audited operation ended: done, refused by policy, or failed. */
export type AuditResult = 'ok' | 'denied' | 'error';

/** Largest canonical JSON of an entry's `detail`, bytes (UTF-8). */
export const MAX_AUDIT_DETAIL_BYTES = 1024;

/**
 * One entry to append. `detail` is small JSON describing the operation: ids, kinds, byte counts,
 * sha256 hashes, error names. It must NEVER hold biometric bytes (payloads, embeddings, images,
 * keys, ciphertext) in any encoding, nor anything derived from them other than a hash: the log is
 * append-only, kept forever, never purged and not encrypted. Binary values (`Buffer`, typed
 * arrays) are refused, and so is a detail over {@link MAX_AUDIT_DETAIL_BYTES} bytes (which keeps a
 * base64 embedding out by accident, not by design: the rule is the caller's to keep).
 */
export interface AuditAppend {
  /** Who asked: `user:<wallet>`, `operator:<wallet>`, `system:<task>`; 1 to 128 characters. */
  actor: string;
  /** The wallet whose data is concerned, or null (none, or the input was not a wallet address). */
  wallet: string | null;
  /** What was done, e.g. `biometrics.put`: 1 to 64 letters, digits, `.`, `_`, `-`, `:`. */
  action: string;
  result: AuditResult;
  detail?: Record<string, unknown>;
}

/** A stored entry. */
export interface AuditEntry {
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  /** When it was appended, ms since the Unix epoch. */
  at: number;
  actor: string;
  wallet: string | null;
  action: string;
  result: AuditResult;
  detail: Record<string, unknown>;
  /** The previous entry's hash (64 zeros for seq 1). */
  prevHash: string;
  /** sha256 hex of the previous entry's hash and this entry (see `AuditLog`). */
  hash: string;
}

/** The outcome of `AuditLog.verify()`. */
export interface AuditVerifyResult {
  /** True when every row links to the one before and hashes to its stored hash. */
  ok: boolean;
  /** Rows that verified (all of them when ok; those before the first bad one otherwise). */
  rows: number;
  /** The first seq that is missing, altered or out of place (for a deleted row: the missing seq). */
  firstBadSeq?: number;
  /** Why that seq failed, in words. */
  reason?: string;
  /**
   * Hash of the last row that verified (the chain's head when ok). The chain cannot show that its
   * newest rows were removed; record the head elsewhere to detect that.
   */
  head?: string;
}
