import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { type SrtpProfile, SrtpProtector } from '../../media/srtp/SrtpProtector.js';
import { srtpKeysOf } from '../../media/sfu/werift/srtpKeys.js';

/**
 * Our SRTP encryption against an independent implementation (werift's SrtpSession, which
 * Chromium interoperates with): the same keys, headers and payloads must give the same bytes,
 * including across a sequence-number rollover, and werift must decrypt what we protect.
 */
const profiles: [SrtpProfile, number, number][] = [
  ['AEAD_AES_128_GCM', ProtectionProfileAeadAes128Gcm, 12],
  ['AES_CM_128_HMAC_SHA1_80', ProtectionProfileAes128CmHmacSha1_80, 14],
];

describe('SrtpProtector', () => {
  for (const [name, profile, saltLength] of profiles) {
    it(`matches werift byte for byte and decrypts with werift (${name})`, () => {
      const masterKey = randomBytes(16);
      const masterSalt = randomBytes(saltLength);
      const keys = {
        localMasterKey: masterKey,
        localMasterSalt: masterSalt,
        remoteMasterKey: masterKey,
        remoteMasterSalt: masterSalt,
      };
      const sender = new SrtpSession({ keys, profile: profile as 1 | 7 });
      const receiver = new SrtpSession({ keys, profile: profile as 1 | 7 });
      const ours = new SrtpProtector(srtpKeysOf(sender.localContext));
      let roc = 0;
      let previous = 0;
      for (let n = 0; n < 40; n++) {
        const seq = (65_520 + n) & 0xffff; // crosses the rollover
        if (seq < previous) roc += 1;
        previous = seq;
        const payload = randomBytes(100 + n * 17);
        const header = new RtpHeader({
          sequenceNumber: seq,
          timestamp: 3000 * n,
          ssrc: 0x1234abcd,
          payloadType: 102,
          marker: n % 5 === 0,
        });
        const expected = sender.encrypt(payload, header);
        const out = Buffer.alloc(12 + payload.length + ours.tagLength);
        header.serialize(12).copy(out);
        const length = ours.protect(out, 12, payload, roc);
        assert.equal(length, expected.length);
        assert.deepEqual(out.subarray(0, length), expected, `packet ${n} (seq ${seq}, roc ${roc})`);
        assert.deepEqual(receiver.decrypt(out.subarray(0, length)).subarray(12), payload);
      }
    });
  }

  it('rejects keys of the wrong size, naming them', () => {
    assert.throws(
      () => new SrtpProtector({ profile: 'AEAD_AES_128_GCM', key: Buffer.alloc(8), salt: Buffer.alloc(12) }),
      /key must be 16 bytes/,
    );
    assert.throws(
      () => new SrtpProtector({ profile: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(16), salt: Buffer.alloc(14) }),
      /authentication key/,
    );
  });
});
