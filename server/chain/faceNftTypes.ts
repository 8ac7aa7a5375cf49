import type { Connection, Keypair, PublicKey, Transaction } from '@solana/web3.js';

/** Name of the metadata field that holds the hash of the encrypted embedding package. */
export const EMBEDDING_SHA256_FIELD = 'embedding_sha256';

/** The encrypted embedding package a face NFT points to; never the embedding itself. */
export interface FaceNftPackageRef {
  /** SHA-256 of the encrypted package, 64 hex digits (stored lowercase). */
  sha256: string;
  /** Where the package is found, 1 to 200 printable ASCII characters, no spaces (e.g. `ecs-package:<hex>`). */
  uri: string;
}

/** Options of {@link FaceNftBuilder}. */
export interface FaceNftBuilderOptions {
  /** Reads the latest blockhash and rent (its own commitment is used). */
  connection: Connection;
  /** The camera keypair: temporary mint and metadata-update authority, removed in the same transaction. */
  authority: Keypair;
  /** Token name in the metadata, at most 32 UTF-8 bytes; default 'Face attestation'. */
  name?: string;
  /** Token symbol in the metadata, at most 10 UTF-8 bytes; default 'FACE'. */
  symbol?: string;
}

/** A face NFT transaction signed by the server (mint and camera), waiting for the owner's signature. */
export interface BuiltFaceNft {
  transaction: Transaction;
  /** Address of the new Token-2022 mint (which also holds the metadata). */
  mint: PublicKey;
  /** The transaction serialized with `requireAllSignatures: false`, base64. */
  base64: string;
  /** Recent blockhash the transaction uses, base58. */
  blockhash: string;
  /** Last block height at which the blockhash is valid. */
  lastValidBlockHeight: number;
}
