/**
 * PKCS#8 (RFC 5208) wrapping of a raw Ed25519 private key, as RFC 8410 §7 gives it:
 * `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING <32-byte seed> } }`.
 * These 16 bytes come before the seed.
 */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * An Ed25519 key held in the page by WebCrypto (`crypto.subtle`, Ed25519 since Chromium 137).
 * Browser code: it runs inside the page under test, bundled by `testWalletScript`.
 */
export class Ed25519Signer {
  private constructor(
    private readonly key: CryptoKey,
    /** The 32-byte public key (RFC 8032 encoding). */
    readonly publicKey: Uint8Array,
  ) {}

  /**
   * Imports a 32-byte private key seed (RFC 8032 §5.1.5 "private key").
   * @throws TypeError when `seed` is not 32 bytes; WebCrypto's DOMException when Ed25519 is unsupported.
   */
  static async fromSeed(seed: Uint8Array): Promise<Ed25519Signer> {
    if (seed.length !== 32) throw new TypeError(`seed: 32 bytes expected, got ${seed.length}`);
    const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
    pkcs8.set(PKCS8_ED25519_PREFIX);
    pkcs8.set(seed, PKCS8_ED25519_PREFIX.length);
    // Extractable only to read the public key back out of the JWK (`x`, base64url, RFC 8037 §2).
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', key);
    if (!jwk.x) throw new Error('WebCrypto gave no public key for the Ed25519 private key');
    return new Ed25519Signer(key, base64UrlDecode(jwk.x));
  }

  /** Signs `data` (pure Ed25519, no pre-hash); returns the 64-byte signature. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, this.key, data as Uint8Array<ArrayBuffer>));
  }
}

function base64UrlDecode(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
