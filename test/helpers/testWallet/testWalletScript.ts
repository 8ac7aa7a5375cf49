import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../../../server/config/projectRoot.js';
import type { TestWalletOptions } from './browserEntry.js';

let bundle: Promise<string> | undefined;

/** The browser bundle of the test wallet (IIFE, global `__ecsTestWallet`), built once per process. */
function walletBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(projectRoot(), 'test/helpers/testWallet/browserEntry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__ecsTestWallet',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  }).then((result) => result.outputFiles[0]!.text);
  return bundle;
}

/**
 * A self-contained script that registers the test wallet (see `TestWallet`) holding `seed`, for
 * `page.addInitScript({ content })` (before the app loads) or `page.evaluate` (a wallet that
 * appears later).
 * @param seed 32-byte Ed25519 private key seed (`createTestKeypair().seed`).
 * @param name wallet name the app lists.
 * @throws TypeError when the seed is not 32 bytes; esbuild's error when the bundle fails to build.
 */
export async function testWalletScript(seed: Uint8Array, name = 'ECS Test Wallet'): Promise<string> {
  if (seed.length !== 32) throw new TypeError(`seed: 32 bytes expected, got ${seed.length}`);
  const options: TestWalletOptions = { seedHex: Buffer.from(seed).toString('hex'), name };
  return `${await walletBundle()}\n__ecsTestWallet.install(${JSON.stringify(options)});\n`;
}
