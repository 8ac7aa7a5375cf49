import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Keypair,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  type PublicKey,
  type AccountMeta,
} from '@solana/web3.js';
import { chainMigrations } from '../../../server/chain/chainMigrations.js';
import { MEMO_PROGRAM_ID } from '../../../server/chain/programIds.js';
import { AppDatabase } from '../../../server/store/AppDatabase.js';
import { testLogger } from '../../helpers/logger.js';

/** DER prefix of an ed25519 PKCS#8 private key (RFC 8410 §7); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** ed25519 signature (64 bytes) of `message` by `keypair`, made with node:crypto from its seed. */
export function signBytes(keypair: Keypair, message: Uint8Array): Buffer {
  const key = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, keypair.secretKey.subarray(0, 32)]),
    format: 'der',
    type: 'pkcs8',
  });
  return sign(null, message, key);
}

/** A temp dir with a chain database in it; `reopen` closes and opens the same file (a restart). */
export class TempDatabase {
  readonly dir = mkdtempSync(join(tmpdir(), 'chain-test-'));
  readonly path = join(this.dir, 'app.db');
  database = AppDatabase.open(this.path, chainMigrations, testLogger);

  reopen(): AppDatabase {
    this.database.close();
    this.database = AppDatabase.open(this.path, chainMigrations, testLogger);
    return this.database;
  }

  dispose(): void {
    this.database.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A transaction shaped like a built check-in (memo + 0-lamport transfer to the camera), made by
 * hand: `memoSigner` null gives a memo with no signer key; `lamports` > 0 can make it fail.
 */
export function handMadeCheckin(opts: {
  payer: Keypair;
  camera: PublicKey;
  memo: string;
  blockhash: string;
  memoSigner?: Keypair | null;
  lamports?: number;
}): Transaction {
  const memoSigner = opts.memoSigner === undefined ? opts.payer : opts.memoSigner;
  const keys: AccountMeta[] = memoSigner ? [{ pubkey: memoSigner.publicKey, isSigner: true, isWritable: false }] : [];
  const tx = new Transaction({ feePayer: opts.payer.publicKey, recentBlockhash: opts.blockhash }).add(
    new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys, data: Buffer.from(opts.memo, 'utf8') }),
    SystemProgram.transfer({ fromPubkey: opts.payer.publicKey, toPubkey: opts.camera, lamports: opts.lamports ?? 0 }),
  );
  const signers =
    memoSigner && !memoSigner.publicKey.equals(opts.payer.publicKey) ? [opts.payer, memoSigner] : [opts.payer];
  tx.sign(...signers);
  return tx;
}
