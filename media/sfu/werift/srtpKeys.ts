import { ProtectionProfileAeadAes128Gcm, type RTCDtlsTransport } from 'werift';
import type { SrtpSessionKeys } from '../../srtp/SrtpProtector.js';

/** The fields of werift's (0.25.2) SRTP context that hold the sending direction's session keys. */
export interface WeriftSrtpContext {
  profile: number;
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag: Buffer;
}

/**
 * Session keys of werift's local (sending) SRTP context, for {@link SrtpProtector}.
 * werift derives them from the DTLS-SRTP exporter (RFC 5764 §4.2) and the RFC 3711 §4.3 KDF;
 * reading them keeps one key schedule per viewer while our send path skips werift's per-packet
 * parse/serialise. werift is pinned to an exact version because these fields are internal.
 */
export function srtpKeysOf(context: WeriftSrtpContext): SrtpSessionKeys {
  const gcm = context.profile === ProtectionProfileAeadAes128Gcm;
  return {
    profile: gcm ? 'AEAD_AES_128_GCM' : 'AES_CM_128_HMAC_SHA1_80',
    key: context.srtpSessionKey,
    salt: context.srtpSessionSalt,
    authKey: gcm ? undefined : context.srtpSessionAuthTag,
  };
}

/** The sending SRTP context of a connected DTLS transport, or undefined before DTLS-SRTP is up. */
export function localSrtpContext(transport: RTCDtlsTransport): WeriftSrtpContext | undefined {
  const srtp = (transport as unknown as { srtp?: { localContext?: WeriftSrtpContext } }).srtp;
  return srtp?.localContext;
}
