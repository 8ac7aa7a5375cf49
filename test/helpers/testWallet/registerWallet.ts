import type { Wallet, WindowAppReadyEventAPI, WindowRegisterWalletEventCallback } from '@wallet-standard/base';

/**
 * Registers a wallet with the page's app by the Wallet Standard's window-event protocol (the same
 * steps as `registerWallet` in @wallet-standard/wallet, src/register.ts):
 * 1. dispatch `wallet-standard:register-wallet` with a callback as `detail`: an app already
 *    listening calls it with its `{ register }` API;
 * 2. listen for `wallet-standard:app-ready`, which an app dispatches once when it starts
 *    (`getWallets()`), with its API as `detail`: register then.
 * Either way the wallet is registered exactly once per app, whichever loads first.
 * Browser code.
 */
export function registerWallet(wallet: Wallet): void {
  const callback: WindowRegisterWalletEventCallback = ({ register }) => register(wallet);
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
  window.addEventListener('wallet-standard:app-ready', (event) =>
    callback((event as CustomEvent<WindowAppReadyEventAPI>).detail),
  );
}
