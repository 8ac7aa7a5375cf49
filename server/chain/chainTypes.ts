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
