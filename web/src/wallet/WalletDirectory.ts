import { isWalletAdapterCompatibleStandardWallet } from '@solana/wallet-adapter-base';
import { StandardWalletAdapter } from '@solana/wallet-standard-wallet-adapter-base';
import { getWallets } from '@wallet-standard/app';
import type { Wallet } from '@wallet-standard/base';

/** One wallet the page can use. */
export interface WalletEntry {
  /** The wallet's own name (unique enough to pick it by). */
  readonly name: string;
  /** The wallet's icon, a data: URI (Wallet Standard). */
  readonly icon: string;
  readonly adapter: StandardWalletAdapter;
}

/**
 * The Solana wallets installed in this browser, found through the Wallet Standard
 * (`getWallets()` of @wallet-standard/app): those with `standard:connect`, `standard:events`
 * and a way to sign transactions (`isWalletAdapterCompatibleStandardWallet`), each wrapped in a
 * `StandardWalletAdapter`. Wallets registered later (an extension loading after the page) and
 * unregistered ones update the list and call the `onChange` listeners.
 */
export class WalletDirectory {
  readonly #entries = new Map<Wallet, WalletEntry>();
  readonly #listeners = new Set<() => void>();
  #off: (() => void)[] = [];

  /** Wallets found so far, in registration order. */
  get entries(): readonly WalletEntry[] {
    return [...this.#entries.values()];
  }

  /** The wallet named `name`, if installed. */
  find(name: string): WalletEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** Starts discovery: takes the wallets already registered and listens for more. */
  start(): void {
    if (this.#off.length > 0) return;
    const wallets = getWallets();
    this.#off = [
      wallets.on('register', (...added) => this.#add(added)),
      wallets.on('unregister', (...removed) => this.#remove(removed)),
    ];
    this.#add(wallets.get());
  }

  /** Calls `listener` whenever the list changes; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops listening and destroys the adapters (idempotent). */
  close(): void {
    for (const off of this.#off) off();
    this.#off = [];
    for (const entry of this.#entries.values()) entry.adapter.destroy();
    this.#entries.clear();
    this.#listeners.clear();
  }

  #add(wallets: readonly Wallet[]): void {
    let changed = false;
    for (const wallet of wallets) {
      if (this.#entries.has(wallet) || !isWalletAdapterCompatibleStandardWallet(wallet)) continue;
      const adapter = new StandardWalletAdapter({ wallet });
      this.#entries.set(wallet, { name: wallet.name, icon: wallet.icon, adapter });
      changed = true;
    }
    if (changed) this.#emit();
  }

  #remove(wallets: readonly Wallet[]): void {
    let changed = false;
    for (const wallet of wallets) {
      const entry = this.#entries.get(wallet);
      if (!entry) continue;
      entry.adapter.destroy();
      this.#entries.delete(wallet);
      changed = true;
    }
    if (changed) this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}
