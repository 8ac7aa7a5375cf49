import {
  SolanaSignIn,
  type SolanaSignInFeature,
  type SolanaSignInInput,
  type SolanaSignInOutput,
  SolanaSignMessage,
  type SolanaSignMessageFeature,
  type SolanaSignMessageInput,
  type SolanaSignMessageOutput,
  SolanaSignTransaction,
  type SolanaSignTransactionFeature,
  type SolanaSignTransactionInput,
  type SolanaSignTransactionOutput,
} from '@solana/wallet-standard-features';
import { createSignInMessageText } from '@solana/wallet-standard-util';
import type { IdentifierString, Wallet, WalletAccount, WalletIcon } from '@wallet-standard/base';
import {
  StandardConnect,
  type StandardConnectFeature,
  StandardDisconnect,
  type StandardDisconnectFeature,
  StandardEvents,
  type StandardEventsFeature,
  type StandardEventsListeners,
  type StandardEventsNames,
} from '@wallet-standard/features';
import bs58 from 'bs58';
import type { Ed25519Signer } from './Ed25519Signer.js';
import { signTransactionBytes } from './transactionWire.js';

/** Chains the test wallet says it serves. */
export const TEST_WALLET_CHAINS = ['solana:devnet', 'solana:localnet'] as const satisfies readonly IdentifierString[];

/** A 32×32 SVG key, base64 (a wallet icon must be a data: URI, Wallet Standard §Wallet.icon). */
const ICON: WalletIcon = `data:image/svg+xml;base64,${btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2fbf71"/>' +
    '<circle cx="12" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/><path d="M17 16h10v4M23 16v3" ' +
    'stroke="#fff" stroke-width="3" fill="none"/></svg>',
)}`;

/** Every feature of the test wallet. */
export type TestWalletFeatures = StandardConnectFeature &
  StandardDisconnectFeature &
  StandardEventsFeature &
  SolanaSignInFeature &
  SolanaSignMessageFeature &
  SolanaSignTransactionFeature;

/**
 * A Wallet Standard wallet (https://github.com/wallet-standard/wallet-standard) with one account,
 * whose key lives in the page (`Ed25519Signer`): no extension, no prompt, every request approved.
 * Browser code, for end-to-end tests only. Features: `standard:connect`, `standard:disconnect`,
 * `standard:events`, `solana:signIn` (the message text built by `createSignInMessageText`, the
 * SIWS ABNF), `solana:signMessage`, `solana:signTransaction` (legacy and version 0).
 *
 * `calls` lists the feature methods called, in order (e.g. `['standard:connect', 'solana:signIn']`).
 */
export class TestWallet implements Wallet {
  readonly version = '1.0.0' as const;
  readonly icon = ICON;
  readonly chains = TEST_WALLET_CHAINS;
  readonly features: TestWalletFeatures;
  /** Feature methods called so far, in order. */
  readonly calls: string[] = [];
  /** The account's base58 address. */
  readonly address: string;
  readonly #account: WalletAccount;
  readonly #signer: Ed25519Signer;
  readonly #listeners = new Set<StandardEventsListeners['change']>();
  #connected = false;

  /**
   * @param name wallet name shown by apps.
   * @param signer the account's key.
   */
  constructor(
    readonly name: string,
    signer: Ed25519Signer,
  ) {
    this.#signer = signer;
    this.address = bs58.encode(signer.publicKey);
    // One account object for the wallet's life: apps compare accounts by identity.
    this.#account = Object.freeze({
      address: this.address,
      publicKey: signer.publicKey.slice(),
      chains: TEST_WALLET_CHAINS,
      features: [SolanaSignIn, SolanaSignMessage, SolanaSignTransaction] as const,
      label: name,
    });
    this.features = {
      [StandardConnect]: { version: '1.0.0', connect: async () => this.#connect('standard:connect') },
      [StandardDisconnect]: { version: '1.0.0', disconnect: async () => this.#disconnect() },
      [StandardEvents]: { version: '1.0.0', on: (event, listener) => this.#on(event, listener) },
      [SolanaSignIn]: { version: '1.0.0', signIn: (...inputs) => this.#signIn(inputs) },
      [SolanaSignMessage]: { version: '1.0.0', signMessage: (...inputs) => this.#signMessage(inputs) },
      [SolanaSignTransaction]: {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs) => this.#signTransaction(inputs),
      },
    };
  }

  /** The connected account, or none before `standard:connect` / `solana:signIn`. */
  get accounts(): readonly WalletAccount[] {
    return this.#connected ? [this.#account] : [];
  }

  #connect(call: string): { accounts: readonly WalletAccount[] } {
    this.calls.push(call);
    if (!this.#connected) {
      this.#connected = true;
      this.#emit();
    }
    return { accounts: this.accounts };
  }

  #disconnect(): void {
    this.calls.push(StandardDisconnect);
    if (!this.#connected) return;
    this.#connected = false;
    this.#emit();
  }

  #on<E extends StandardEventsNames>(event: E, listener: StandardEventsListeners[E]): () => void {
    if (event !== 'change') throw new TypeError(`event: only 'change' is emitted, not ${String(event)}`);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener({ accounts: this.accounts });
  }

  async #signIn(inputs: readonly SolanaSignInInput[]): Promise<SolanaSignInOutput[]> {
    this.#connect(SolanaSignIn); // a sign-in connects the account too
    const outputs: SolanaSignInOutput[] = [];
    for (const input of inputs) {
      if (input.address !== undefined && input.address !== this.address) {
        throw new Error(`sign-in asked for ${input.address}, this wallet holds ${this.address}`);
      }
      const text = createSignInMessageText({ ...input, domain: input.domain ?? location.host, address: this.address });
      const signedMessage = new TextEncoder().encode(text);
      outputs.push({
        account: this.#account,
        signedMessage,
        signature: await this.#signer.sign(signedMessage),
        signatureType: 'ed25519',
      });
    }
    return outputs;
  }

  async #signMessage(inputs: readonly SolanaSignMessageInput[]): Promise<SolanaSignMessageOutput[]> {
    this.calls.push(SolanaSignMessage);
    const outputs: SolanaSignMessageOutput[] = [];
    for (const { account, message } of inputs) {
      this.#checkAccount(account);
      outputs.push({ signedMessage: message, signature: await this.#signer.sign(message), signatureType: 'ed25519' });
    }
    return outputs;
  }

  async #signTransaction(inputs: readonly SolanaSignTransactionInput[]): Promise<SolanaSignTransactionOutput[]> {
    this.calls.push(SolanaSignTransaction);
    const outputs: SolanaSignTransactionOutput[] = [];
    for (const { account, transaction, chain } of inputs) {
      this.#checkAccount(account);
      if (chain !== undefined && !(TEST_WALLET_CHAINS as readonly string[]).includes(chain)) {
        throw new Error(`chain ${chain} is not served by this wallet`);
      }
      const signedTransaction = await signTransactionBytes(transaction, this.#signer.publicKey, (m) =>
        this.#signer.sign(m),
      );
      outputs.push({ signedTransaction });
    }
    return outputs;
  }

  #checkAccount(account: WalletAccount): void {
    if (!this.#connected) throw new Error('wallet not connected');
    if (account.address !== this.address) throw new Error(`unknown account ${account.address}`);
  }
}
