// Types only (no imports): the viewer app (web/) imports them too.

/** Commitment levels the chain code waits for (Solana JSON-RPC "Configuring State Commitment"). */
export type ChainCommitment = 'confirmed' | 'finalized';

/** Clusters named in sign-in messages as the chain id `solana:<cluster>`. */
export type ChainCluster = 'mainnet' | 'devnet' | 'testnet' | 'localnet';

/** What a user agreed to when checking in. */
export interface CheckinConsent {
  /** Show the user's display name to other viewers of the camera. */
  showName: boolean;
  /** Keep the face enrolment after check-out. */
  keepEnrolment: boolean;
}

/** Kinds of transactions the relay accepts. */
export type ChainTransactionKind = 'checkin' | 'checkout' | 'face-nft';

/** What a wallet's `solana:signIn` feature needs to produce exactly the issued message text. */
export interface SignInInput {
  domain: string;
  address: string;
  statement: string;
  uri: string;
  version: '1';
  chainId: string;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
  resources: string[];
}

/** An issued challenge: the message to sign and its fields. */
export interface SignInChallenge {
  /** The exact text to sign (utf8). */
  message: string;
  nonce: string;
  domain: string;
  chainId: string;
  /** ISO 8601. */
  issuedAt: string;
  /** ISO 8601. */
  expirationTime: string;
  input: SignInInput;
}

/** A built, unsigned transaction for the wallet to sign. */
export interface BuiltTransaction {
  /** Server-side id of the built transaction. */
  txId: string;
  /** Base64 wire transaction, signature slots zeroed (unsigned). */
  transaction: string;
  blockhash: string;
  /** Block height after which the blockhash, and so the transaction, is no longer valid. */
  lastValidBlockHeight: number;
  /** ISO 8601; the relay refuses the transaction after this. */
  expiresAt: string;
  /** The memo text, `mmoment:<kind>:<cameraId>:<nonce>`. */
  memo: string;
}
