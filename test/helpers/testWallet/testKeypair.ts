import { generateKeyPairSync } from 'node:crypto';
import bs58 from 'bs58';

/** An Ed25519 keypair made in Node for the in-page test wallet. */
export interface TestKeypair {
  /** 32-byte private key seed (RFC 8032 §5.1.5), what the page imports. */
  seed: Uint8Array;
  /** 32-byte public key. */
  publicKey: Uint8Array;
  /** base58 of the public key: the wallet address. */
  address: string;
}

/** A fresh random keypair (node:crypto, read back through its JWK: `d` = seed, `x` = public key). */
export function createTestKeypair(): TestKeypair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
  const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  return { seed, publicKey, address: bs58.encode(publicKey) };
}
