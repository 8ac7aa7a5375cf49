import { createCipheriv } from 'node:crypto';
import type { SrtpSessionKeys } from './SrtpProtector.js';

/**
 * SRTP session keys of AES_CM_128_HMAC_SHA1_80 from a master key and salt, by the RFC 3711 §4.3
 * key derivation (AES-CM PRF, §4.3.3; key_derivation_rate 0): for label l (0 encryption key,
 * 1 authentication key, 2 salt) the keystream of AES-CTR under the master key with
 * IV = (master_salt ⊕ (l · 2^48)) · 2^16.
 * @param masterKey 16 bytes.
 * @param masterSalt 14 bytes.
 * @throws TypeError when a length is wrong.
 */
export function deriveSrtpSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array): SrtpSessionKeys {
  if (masterKey.length !== 16) throw new TypeError(`SRTP master key must be 16 bytes, got ${masterKey.length}`);
  if (masterSalt.length !== 14) throw new TypeError(`SRTP master salt must be 14 bytes, got ${masterSalt.length}`);
  const prf = (label: number, length: number): Buffer => {
    const iv = Buffer.alloc(16);
    Buffer.from(masterSalt).copy(iv, 0);
    iv[7]! ^= label;
    return createCipheriv('aes-128-ctr', masterKey, iv).update(Buffer.alloc(length));
  };
  return { profile: 'AES_CM_128_HMAC_SHA1_80', key: prf(0, 16), authKey: prf(1, 20), salt: prf(2, 14) };
}
