import type { StandardWalletAdapter } from '@solana/wallet-standard-wallet-adapter-base';
import { Transaction } from '@solana/web3.js';
import bs58 from 'bs58';
import type { ChallengeAnswer } from '../session/SessionTypes';
import { fromBase64, toBase64 } from './bytes';

/** A signed sign-in message, as `POST /api/session/signin` takes it. */
export interface SignedSignIn {
  /** The message text the wallet signed (its UTF-8 bytes are what the signature covers). */
  message: string;
  /** base58 Ed25519 signature. */
  signature: string;
  /** Which wallet feature signed it. */
  via: 'solana:signIn' | 'solana:signMessage';
}

/**
 * Signs a Sign-In With Solana challenge with a connected wallet: through `solana:signIn` with the
 * challenge's `input` when the wallet has it (the wallet builds the message from the input, and
 * its text is sent back), otherwise through `signMessage` over the server's message text.
 * @throws Error when the wallet can do neither; the adapter's WalletError when the user refuses.
 */
export async function signChallenge(adapter: StandardWalletAdapter, challenge: ChallengeAnswer): Promise<SignedSignIn> {
  if (adapter.signIn) {
    const output = await adapter.signIn(challenge.input);
    return {
      message: new TextDecoder().decode(output.signedMessage),
      signature: bs58.encode(output.signature),
      via: 'solana:signIn',
    };
  }
  if (adapter.signMessage) {
    const signature = await adapter.signMessage(new TextEncoder().encode(challenge.message));
    return { message: challenge.message, signature: bs58.encode(signature), via: 'solana:signMessage' };
  }
  throw new Error(`${adapter.name} can sign neither a sign-in (solana:signIn) nor a message (solana:signMessage)`);
}

/**
 * Has the wallet sign a server-built transaction.
 * @param transaction base64 of an unsigned legacy transaction (wire format).
 * @returns base64 of the signed transaction. Signatures of other signers may still be missing
 * (the server may co-sign), so only the signatures present are checked.
 * @throws Error when the wallet cannot sign transactions; the adapter's WalletError when the user refuses.
 */
export async function signTransaction(adapter: StandardWalletAdapter, transaction: string): Promise<string> {
  if (!adapter.signTransaction) throw new Error(`${adapter.name} cannot sign transactions (solana:signTransaction)`);
  const tx = Transaction.from(fromBase64(transaction));
  const signed = await adapter.signTransaction(tx);
  return toBase64(signed.serialize({ requireAllSignatures: false, verifySignatures: true }));
}
