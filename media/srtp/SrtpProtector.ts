import { createCipheriv, createHmac } from 'node:crypto';

/** SRTP protection profiles WebRTC stacks negotiate over DTLS-SRTP (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';

/** Session keys of the sending direction, derived from the DTLS master secret (RFC 3711 §4.3). */
export interface SrtpSessionKeys {
  profile: SrtpProfile;
  /** Session encryption key, 16 bytes. */
  key: Uint8Array;
  /** Session salt: 14 bytes for AES-CM, 12 used for GCM. */
  salt: Uint8Array;
  /** HMAC-SHA1 session authentication key, 20 bytes (AES-CM only). */
  authKey?: Uint8Array;
}

/** Authentication tag length in bytes: HMAC-SHA1-80 (RFC 3711 §5.2) or the GCM tag (RFC 7714 §5). */
export function srtpTagLength(profile: SrtpProfile): number {
  return profile === 'AEAD_AES_128_GCM' ? 16 : 10;
}

/**
 * Encrypts outgoing RTP packets of one SRTP session (one viewer), with no dependency on the
 * WebRTC stack's packet objects: the SFU's send path copies the shared packet's header into
 * an output buffer, rewrites the viewer's SSRC/sequence number/timestamp there, and calls
 * {@link protect} with the shared payload.
 *
 * - AES_CM_128_HMAC_SHA1_80 (RFC 3711): IV = salt ⊕ (SSRC·2^64) ⊕ (index·2^16) with
 *   index = ROC·2^16 + SEQ (§4.1.1); tag = HMAC-SHA1(header ‖ ciphertext ‖ ROC)[0..10) (§4.2).
 * - AEAD_AES_128_GCM (RFC 7714): IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) ⊕ salt (§8.1); the header is
 *   the associated data and the 16-byte tag follows the ciphertext (§7.1).
 *
 * Node's crypto API needs one cipher object per packet (a new IV); the IV buffer itself is
 * reused.
 */
export class SrtpProtector {
  readonly profile: SrtpProfile;
  readonly tagLength: number;
  readonly #key: Uint8Array;
  readonly #salt: Uint8Array;
  readonly #authKey: Uint8Array | undefined;
  readonly #iv: Buffer;
  readonly #roc = Buffer.alloc(4);

  /** @throws TypeError when a key has the wrong length for the profile. */
  constructor(keys: SrtpSessionKeys) {
    this.profile = keys.profile;
    this.tagLength = srtpTagLength(keys.profile);
    if (keys.key.length !== 16) throw new TypeError(`SRTP key must be 16 bytes, got ${keys.key.length}`);
    const gcm = keys.profile === 'AEAD_AES_128_GCM';
    if (keys.salt.length < (gcm ? 12 : 14)) throw new TypeError(`SRTP salt too short (${keys.salt.length} bytes)`);
    if (!gcm && keys.authKey?.length !== 20) throw new TypeError('AES-CM needs a 20-byte authentication key');
    this.#key = keys.key;
    this.#salt = keys.salt;
    this.#authKey = keys.authKey;
    this.#iv = Buffer.alloc(gcm ? 12 : 16);
  }

  /**
   * Encrypts in place into `out`, which holds the final RTP header in `out[0, headerLength)`
   * and has room for `headerLength + payload.length + tagLength` bytes.
   * @param out output buffer; its header bytes are read, the payload and tag written.
   * @param headerLength RTP header size in bytes (12 + CSRCs + extension).
   * @param payload plaintext RTP payload (not modified).
   * @param roc rollover counter of the sequence number (RFC 3711 §3.3.1), u32.
   * @returns bytes of SRTP packet in `out`.
   */
  protect(out: Buffer, headerLength: number, payload: Uint8Array, roc: number): number {
    const ssrc = out.readUInt32BE(8);
    const seq = out.readUInt16BE(2);
    const iv = this.#iv;
    const header = out.subarray(0, headerLength);
    const end = headerLength + payload.length;
    if (this.profile === 'AEAD_AES_128_GCM') {
      iv.writeUInt16BE(0, 0);
      iv.writeUInt32BE(ssrc, 2);
      iv.writeUInt32BE(roc >>> 0, 6);
      iv.writeUInt16BE(seq, 10);
      for (let i = 0; i < 12; i++) iv[i]! ^= this.#salt[i]!;
      const cipher = createCipheriv('aes-128-gcm', this.#key, iv);
      cipher.setAAD(header);
      cipher.update(payload).copy(out, headerLength);
      cipher.final();
      cipher.getAuthTag().copy(out, end);
      return end + 16;
    }
    iv.fill(0);
    iv.writeUInt32BE(ssrc, 4);
    iv.writeUInt32BE(roc >>> 0, 8);
    iv.writeUInt16BE(seq, 12);
    for (let i = 0; i < 14; i++) iv[i]! ^= this.#salt[i]!;
    createCipheriv('aes-128-ctr', this.#key, iv).update(payload).copy(out, headerLength);
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const tag = createHmac('sha1', this.#authKey!).update(out.subarray(0, end)).update(this.#roc).digest();
    tag.copy(out, end, 0, 10);
    return end + 10;
  }
}
