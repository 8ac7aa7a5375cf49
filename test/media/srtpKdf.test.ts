import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSrtpSessionKeys } from '../../media/srtp/srtpKdf.js';

describe('SRTP key derivation (RFC 3711 §4.3)', () => {
  it('derives the session keys of the RFC 3711 Appendix B.3 test vector', () => {
    const keys = deriveSrtpSessionKeys(
      Buffer.from('E1F97A0D3E018BE0D64FA32C06DE4139', 'hex'),
      Buffer.from('0EC675AD498AFEEBB6960B3AABE6', 'hex'),
    );
    assert.equal(Buffer.from(keys.key).toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
    assert.equal(Buffer.from(keys.salt).toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
    assert.equal(Buffer.from(keys.authKey!).toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('refuses a master key or salt of the wrong length', () => {
    assert.throws(() => deriveSrtpSessionKeys(Buffer.alloc(15), Buffer.alloc(14)), TypeError);
    assert.throws(() => deriveSrtpSessionKeys(Buffer.alloc(16), Buffer.alloc(12)), TypeError);
  });
});
