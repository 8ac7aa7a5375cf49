import type { Migration } from '../store/Migration.js';

/**
 * The chain concern's tables. Times are Unix ms (INTEGER), addresses and signatures base58 TEXT.
 *
 * - `chain_signin_challenges`: one Sign-In With Solana challenge per nonce; `used_at` set when a
 *   signed message was accepted (single use). Capped per wallet and in all (SignInChallenges).
 * - `chain_transactions`: transactions this server built (check-in/check-out) or registered (face
 *   NFT), keyed by the SHA-256 of their message bytes so the relay accepts only those;
 *   `status` goes built → submitting → submitted → confirmed | failed.
 * - `chain_signatures`: every signature the chain watcher has processed (accepted or ignored, with
 *   the reason), so each is applied exactly once.
 * - `chain_watcher_position`: the newest processed signature per watched address.
 */
export const chainMigrations: Migration[] = [
  {
    id: 'chain/001-create',
    sql: `
      CREATE TABLE chain_signin_challenges (
        nonce TEXT PRIMARY KEY,
        wallet TEXT NOT NULL,
        camera_id TEXT NOT NULL,
        domain TEXT NOT NULL,
        uri TEXT NOT NULL,
        chain_id TEXT NOT NULL,
        statement TEXT,
        message TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX chain_signin_challenges_expires ON chain_signin_challenges (expires_at);

      CREATE TABLE chain_transactions (
        tx_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('checkin', 'checkout', 'face-nft')),
        wallet TEXT NOT NULL,
        camera_id TEXT NOT NULL,
        nonce TEXT UNIQUE,
        message_sha256 TEXT NOT NULL UNIQUE,
        blockhash TEXT NOT NULL,
        last_valid_block_height INTEGER NOT NULL,
        consent_show_name INTEGER CHECK (consent_show_name IN (0, 1)),
        consent_keep_enrolment INTEGER CHECK (consent_keep_enrolment IN (0, 1)),
        status TEXT NOT NULL DEFAULT 'built'
          CHECK (status IN ('built', 'submitting', 'submitted', 'confirmed', 'failed')),
        signature TEXT,
        slot INTEGER,
        error TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX chain_transactions_expires ON chain_transactions (status, expires_at);

      CREATE TABLE chain_signatures (
        signature TEXT PRIMARY KEY,
        camera_address TEXT NOT NULL,
        slot INTEGER NOT NULL,
        block_time INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'ignored')),
        reason TEXT,
        kind TEXT CHECK (kind IN ('checkin', 'checkout')),
        camera_id TEXT,
        wallet TEXT,
        nonce TEXT,
        processed_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE chain_watcher_position (
        camera_address TEXT PRIMARY KEY,
        signature TEXT NOT NULL,
        slot INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // The per-wallet cap on sign-in challenges counts and replaces a wallet's rows by age.
    id: 'chain/002-signin-challenges-wallet',
    sql: 'CREATE INDEX chain_signin_challenges_wallet ON chain_signin_challenges (wallet, issued_at);',
  },
];
