import { Ed25519Signer } from './Ed25519Signer.js';
import { registerWallet } from './registerWallet.js';
import { TestWallet } from './TestWallet.js';

/** What the test passes into the page. */
export interface TestWalletOptions {
  /** 32-byte Ed25519 private key seed, hex. */
  seedHex: string;
  /** Wallet name shown by the app. */
  name: string;
}

/** `window.__testWallet`: the registered wallet, for assertions (its `address`, its `calls`). */
declare global {
  interface Window {
    __testWallet?: TestWallet;
    __testWalletError?: string;
  }
}

/**
 * Browser entry of the test wallet bundle (esbuild, IIFE with the global name `__ecsTestWallet`):
 * imports the key, then registers the wallet and sets `window.__testWallet`. A failure (no
 * Ed25519 in WebCrypto) is kept in `window.__testWalletError` and logged.
 */
export function install(options: TestWalletOptions): void {
  const seed = Uint8Array.from(options.seedHex.match(/../g) ?? [], (h) => parseInt(h, 16));
  Ed25519Signer.fromSeed(seed).then(
    (signer) => {
      const wallet = new TestWallet(options.name, signer);
      window.__testWallet = wallet;
      registerWallet(wallet);
    },
    (error: unknown) => {
      window.__testWalletError = String(error);
      console.error('test wallet: cannot import the key', error);
    },
  );
}
